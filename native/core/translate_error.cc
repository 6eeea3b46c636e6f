#include "core/translate_error.h"

#include <c10/util/Exception.h>

#include <new>
#include <string>

namespace dbn {

Error TranslateException(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    return e;
  } catch (const c10::Error& e) {
    const std::string msg = e.what_without_backtrace();
    if (msg.find("out of memory") != std::string::npos ||
        msg.find("DefaultCPUAllocator: can't allocate") != std::string::npos) {
      return Error(ErrorCode::kOutOfMemory,
                   "out of memory in libtorch: " + msg + ". Use smaller batches or shorter inputs");
    }
    return Error(ErrorCode::kInternal, "libtorch error: " + msg);
  } catch (const std::bad_alloc&) {
    return Error(ErrorCode::kOutOfMemory, "out of memory; use smaller batches or shorter inputs");
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternal, std::string("internal error: ") + e.what());
  } catch (...) {
    return Error(ErrorCode::kInternal, "internal error: unknown exception");
  }
}

}  // namespace dbn
