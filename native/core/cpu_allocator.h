// A caching CPU allocator for libtorch, installed at the first CPU model load.
//
// Why: each model's forward runs on its own owner thread, and glibc gives every non-main
// thread its own malloc arena built from 64 MiB mmap'd heaps. A forward's activation buffers
// (tens of MiB each) then get fresh heaps that are unmapped again when freed, so every
// forward page-faults its whole working set anew: measured here at about 85k faults per
// 32-sentence batch and 10-20% of the forward's time (`dbn_bench --owner-thread 1` against
// the main thread). Keeping large freed blocks for reuse removes that; small blocks still
// go straight to malloc.
#pragma once

#include <c10/core/Allocator.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <unordered_map>

namespace dbn {

struct CachingCpuAllocatorStats {
  int64_t cached_bytes = 0;   // freed blocks kept for reuse
  int64_t live_bytes = 0;     // cached-size blocks handed out and not yet freed
  int64_t hits = 0;           // allocations served from the cache
  int64_t misses = 0;         // large allocations that had to come from malloc
};

class CachingCpuAllocator final : public c10::Allocator {
 public:
  // Blocks below kMinCachedBytes bypass the cache; at most kMaxCachedBytes stay cached (the
  // largest are released first when over). A cached block serves a request of at least half
  // its size.
  static constexpr size_t kMinCachedBytes = size_t{1} << 20;
  static constexpr size_t kMaxCachedBytes = size_t{1} << 30;

  // libtorch 1.13 declares allocate() const and has no copy_data(); 2.x drops the const and
  // adds copy_data() as pure virtual. Declaring both forms (without `override`) builds
  // against either.
  c10::DataPtr allocate(size_t n) const;
  c10::DataPtr allocate(size_t n) { return static_cast<const CachingCpuAllocator*>(this)->allocate(n); }
  void copy_data(void* dest, const void* src, std::size_t count) const;
  c10::DeleterFnPtr raw_deleter() const override { return &Free; }

  // Returns every cached block to malloc.
  void Trim() const;
  // Trim() on the installed instance, if any (called when a model is destroyed).
  static void TrimInstalled();
  CachingCpuAllocatorStats Stats() const;

  // The process-wide instance, installed as libtorch's CPU allocator on the first call.
  // Never destroyed: tensors may outlive every model and static destructors.
  static CachingCpuAllocator& InstallOnce();

 private:
  CachingCpuAllocator() = default;
  static void Free(void* ptr);
  void Release(void* ptr);

  mutable std::mutex mu_;
  mutable std::multimap<size_t, void*> free_;           // size -> block
  mutable std::unordered_map<void*, size_t> live_;      // cached-size blocks in use
  mutable int64_t cached_bytes_ = 0, live_bytes_ = 0, hits_ = 0, misses_ = 0;
};

}  // namespace dbn
