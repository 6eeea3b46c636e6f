#include "core/translate_error.h"

#include <c10/util/Exception.h>

#include <string>

namespace dbn {

Error TranslateException(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const c10::Error& e) {
    const std::string msg = e.what_without_backtrace();
    if (msg.find("out of memory") != std::string::npos ||
        msg.find("DefaultCPUAllocator: can't allocate") != std::string::npos) {
      return Error(ErrorCode::kOutOfMemory,
                   "out of memory in libtorch: " + msg + ". Use smaller batches or shorter inputs");
    }
    return Error(ErrorCode::kInternal, "libtorch error: " + msg);
  } catch (...) {
    // Everything that is not libtorch's: the engine-independent translation (common/error.h).
    return TranslateStdException(std::current_exception());
  }
}

}  // namespace dbn
