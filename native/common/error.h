// Closed list of error codes shared by every native layer and mirrored in lib/errors.ts
// (test/errors.test.ts keeps the two in step). Library code throws dbn::Error; the binding
// turns it into a JS Error with `.code` set to ErrorCodeName(code).
#pragma once

#include <exception>
#include <new>
#include <stdexcept>
#include <string>

namespace dbn {

// Keep this list, kErrorCodeNames and lib/model/errors.ts in the same order.
enum class ErrorCode {
  kInvalidArgument,
  kModelLoadFailed,
  kUnsupportedModel,
  kInputTooLong,
  kNoMask,
  kCudaUnavailable,
  kOutOfMemory,
  kOverloaded,
  kAborted,
  kDisposed,
  // kNativeUnavailable: raised by the TS loader only (the addon or libtorch cannot be loaded).
  kNativeUnavailable,
  kInternal,
};

inline constexpr const char* kErrorCodeNames[] = {
    "DBN_INVALID_ARGUMENT", "DBN_MODEL_LOAD_FAILED", "DBN_UNSUPPORTED_MODEL",
    "DBN_INPUT_TOO_LONG",   "DBN_NO_MASK",           "DBN_CUDA_UNAVAILABLE",
    "DBN_OUT_OF_MEMORY",    "DBN_OVERLOADED",        "DBN_ABORTED",
    "DBN_DISPOSED",         "DBN_NATIVE_UNAVAILABLE", "DBN_INTERNAL",
};
inline constexpr int kErrorCodeCount = static_cast<int>(ErrorCode::kInternal) + 1;
static_assert(sizeof(kErrorCodeNames) / sizeof(kErrorCodeNames[0]) == kErrorCodeCount,
              "kErrorCodeNames must list every ErrorCode");

inline const char* ErrorCodeName(ErrorCode code) {
  return kErrorCodeNames[static_cast<int>(code)];
}

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

// Whatever the addon's own code threw, as a dbn::Error. No libtorch exceptions reach the addon
// (the engine library translates them with core/translate_error.h before they cross its C
// boundary), so this needs no libtorch header.
inline Error TranslateStdException(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    return e;
  } catch (const std::bad_alloc&) {
    return Error(ErrorCode::kOutOfMemory, "out of memory; use smaller batches or shorter inputs");
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternal, std::string("internal error: ") + e.what());
  } catch (...) {
    return Error(ErrorCode::kInternal, "internal error: unknown exception");
  }
}

}  // namespace dbn
