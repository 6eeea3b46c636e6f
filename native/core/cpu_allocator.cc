#include "core/cpu_allocator.h"

#include <c10/core/CPUAllocator.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

namespace dbn {

namespace {

constexpr size_t kAlignment = 64;           // what libtorch's own CPU allocator guarantees
constexpr size_t kGranule = size_t{64} << 10;  // large sizes are rounded up to 64 KiB

CachingCpuAllocator* g_instance = nullptr;

void* AlignedMalloc(size_t n) {
  void* p = nullptr;
  if (posix_memalign(&p, kAlignment, n == 0 ? kAlignment : n) != 0) return nullptr;
  return p;
}

void PlainFree(void* p) { std::free(p); }

}  // namespace

c10::DataPtr CachingCpuAllocator::allocate(size_t n) const {
  const c10::Device cpu(c10::DeviceType::CPU);
  if (n < kMinCachedBytes) {
    void* p = AlignedMalloc(n);
    if (p == nullptr) throw std::bad_alloc();
    return {p, p, &PlainFree, cpu};
  }
  const size_t size = (n + kGranule - 1) / kGranule * kGranule;
  void* p = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Best fit among cached blocks no more than twice the request.
    auto it = free_.lower_bound(size);
    if (it != free_.end() && it->first / 2 <= size) {
      p = it->second;
      live_.emplace(p, it->first);
      cached_bytes_ -= static_cast<int64_t>(it->first);
      live_bytes_ += static_cast<int64_t>(it->first);
      free_.erase(it);
      ++hits_;
      return {p, p, &Free, cpu};
    }
    ++misses_;
  }
  p = AlignedMalloc(size);
  if (p == nullptr) {
    // Give the cache back to malloc and try once more before failing.
    Trim();
    p = AlignedMalloc(size);
    if (p == nullptr) throw std::bad_alloc();
  }
  std::lock_guard<std::mutex> lock(mu_);
  live_.emplace(p, size);
  live_bytes_ += static_cast<int64_t>(size);
  return {p, p, &Free, cpu};
}

void CachingCpuAllocator::copy_data(void* dest, const void* src, std::size_t count) const {
  if (count > 0) std::memcpy(dest, src, count);
}

void CachingCpuAllocator::Free(void* ptr) {
  if (ptr != nullptr) g_instance->Release(ptr);
}

void CachingCpuAllocator::Release(void* ptr) {
  std::vector<void*> evicted;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = live_.find(ptr);
    if (it == live_.end()) {
      std::free(ptr);  // not ours to cache (cannot happen with this deleter; stay safe)
      return;
    }
    const size_t size = it->second;
    live_.erase(it);
    live_bytes_ -= static_cast<int64_t>(size);
    free_.emplace(size, ptr);
    cached_bytes_ += static_cast<int64_t>(size);
    while (cached_bytes_ > static_cast<int64_t>(kMaxCachedBytes) && !free_.empty()) {
      auto largest = std::prev(free_.end());
      cached_bytes_ -= static_cast<int64_t>(largest->first);
      evicted.push_back(largest->second);
      free_.erase(largest);
    }
  }
  for (void* p : evicted) std::free(p);
}

void CachingCpuAllocator::Trim() const {
  std::vector<void*> blocks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [size, p] : free_) blocks.push_back(p);
    free_.clear();
    cached_bytes_ = 0;
  }
  for (void* p : blocks) std::free(p);
}

void CachingCpuAllocator::TrimInstalled() {
  if (g_instance != nullptr) g_instance->Trim();
}

CachingCpuAllocatorStats CachingCpuAllocator::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {cached_bytes_, live_bytes_, hits_, misses_};
}

CachingCpuAllocator& CachingCpuAllocator::InstallOnce() {
  static CachingCpuAllocator* instance = [] {
    g_instance = new CachingCpuAllocator();  // leaked on purpose: tensors may outlive statics
    // Priority above libtorch's default (0) so it takes over; a host that installed its own
    // allocator at a higher priority keeps it.
    c10::SetCPUAllocator(g_instance, /*priority=*/1);
    return g_instance;
  }();
  return *instance;
}

}  // namespace dbn
