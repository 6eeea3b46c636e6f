// The core boundary for errors: whatever a job threw (dbn::Error, c10::Error from libtorch,
// std::bad_alloc, anything else) becomes one dbn::Error with a code from the closed list.
#pragma once

#include <exception>

#include "common/error.h"

namespace dbn {

Error TranslateException(std::exception_ptr error);

}  // namespace dbn
