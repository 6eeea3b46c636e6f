// The machine's core count, read once per process. std::thread::hardware_concurrency() is
// glibc's get_nprocs(), which opens, reads and closes /sys/devices/system/cpu/online on every
// call: three syscalls, tens of microseconds on a VM, paid per encode when it was asked per call.
#pragma once

#include <algorithm>
#include <thread>

namespace dbn {

// At least 1. Cores brought online later are not seen (libtorch's own count is fixed at start-up too).
inline int CoreCount() {
  static const int n = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  return n;
}

}  // namespace dbn
