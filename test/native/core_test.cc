// Native tests of engine parts that need no model: the caching CPU allocator and packed
// attention (against padded, masked attention computed in float64 with plain ATen ops).
// Prints failures and a final line "N passed, N failed".
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/InferenceMode.h>

#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/attention.h"
#include "core/cpu_allocator.h"

namespace {

int g_passed = 0;
int g_failed = 0;

void Check(bool ok, const std::string& what) {
  if (ok) {
    ++g_passed;
  } else {
    ++g_failed;
    std::printf("FAIL: %s\n", what.c_str());
  }
}

constexpr int64_t kMiB = int64_t{1} << 20;

void AllocatorTests() {
  auto& alloc = dbn::CachingCpuAllocator::InstallOnce();
  Check(c10::GetCPUAllocator() == &alloc, "installed as libtorch's CPU allocator");
  alloc.Trim();
  const auto s0 = alloc.Stats();

  void* first = nullptr;
  {
    at::Tensor t = at::empty({4 * kMiB / 4}, at::kFloat);  // 4 MiB: cached size class
    first = t.data_ptr();
    Check(reinterpret_cast<uintptr_t>(first) % 64 == 0, "large blocks are 64-byte aligned");
    Check(alloc.Stats().live_bytes == s0.live_bytes + 4 * kMiB, "a large tensor is tracked as live");
  }
  Check(alloc.Stats().cached_bytes == 4 * kMiB, "a freed large block is kept");
  {
    at::Tensor t = at::empty({3 * kMiB / 4}, at::kFloat);  // 3 MiB fits the 4 MiB block
    Check(t.data_ptr() == first, "a smaller request reuses the cached block");
    Check(alloc.Stats().hits == s0.hits + 1, "the reuse counts as a hit");
    Check(alloc.Stats().cached_bytes == 0, "a reused block leaves the cache");
  }
  {
    at::Tensor t = at::empty({kMiB / 4}, at::kFloat);  // 1 MiB: under half of 4 MiB
    Check(t.data_ptr() != first, "a block more than twice the request is not used");
  }
  {
    const auto before = alloc.Stats();
    at::Tensor small = at::empty({1000}, at::kFloat);
    Check(small.data_ptr() != nullptr && alloc.Stats().live_bytes == before.live_bytes,
          "small tensors bypass the cache");
  }
  alloc.Trim();
  Check(alloc.Stats().cached_bytes == 0, "Trim empties the cache");

  // The cap: two 600 MiB blocks freed cannot both stay (pages are never touched, so this
  // costs address space, not memory).
  {
    at::Tensor a = at::empty({600 * kMiB}, at::kByte);
    at::Tensor b = at::empty({600 * kMiB}, at::kByte);
  }
  Check(alloc.Stats().cached_bytes <= static_cast<int64_t>(dbn::CachingCpuAllocator::kMaxCachedBytes),
        "the cache stays under its cap (" + std::to_string(alloc.Stats().cached_bytes) + " bytes)");
  alloc.Trim();

  // Several threads allocating and freeing at once: nothing lost, nothing double-freed.
  const auto live_before = alloc.Stats().live_bytes;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      c10::InferenceMode guard;
      std::mt19937 rng(t);
      std::uniform_int_distribution<int64_t> mib(1, 24);
      std::vector<at::Tensor> held;
      for (int i = 0; i < 300; ++i) {
        held.push_back(at::empty({mib(rng) * kMiB / 4}, at::kFloat).fill_(static_cast<float>(t)));
        if (held.size() > 3) held.erase(held.begin() + static_cast<long>(rng() % held.size()));
      }
    });
  }
  for (auto& th : threads) th.join();
  Check(alloc.Stats().live_bytes == live_before, "concurrent use returns every block");
  alloc.Trim();
}

// Reference: pad to the longest sequence, mask padded keys, float64.
at::Tensor ReferenceAttention(const at::Tensor& qkv, const std::vector<int32_t>& lengths, int64_t heads) {
  const int64_t d = qkv.size(1) / 3, hd = d / heads;
  std::vector<at::Tensor> out;
  int64_t start = 0;
  for (int32_t len : lengths) {
    at::Tensor rows = qkv.narrow(0, start, len).to(at::kDouble).view({len, 3, heads, hd});
    at::Tensor q = rows.select(1, 0).transpose(0, 1), k = rows.select(1, 1).transpose(0, 1),
               v = rows.select(1, 2).transpose(0, 1);  // [heads, len, hd]
    at::Tensor p = at::softmax(at::matmul(q, k.transpose(1, 2)) / std::sqrt(static_cast<double>(hd)), -1);
    out.push_back(at::matmul(p, v).transpose(0, 1).reshape({len, d}));
    start += len;
  }
  return at::cat(out, 0);
}

void AttentionTests() {
  c10::InferenceMode guard;
  at::manual_seed(0);
  const int64_t heads = 4, d = 32;
  const std::vector<int32_t> lengths = {7, 1, 33, 16, 2};
  int64_t total = 0;
  for (int32_t l : lengths) total += l;
  const at::Tensor qkv = at::randn({total, 3 * d}) * 2;
  const at::Tensor ref = ReferenceAttention(qkv, lengths, heads);

  const at::Tensor all = dbn::PackedAttention(qkv, lengths, heads, nullptr);
  if (!all.defined()) {
    std::printf("SKIP attention tests: built without oneDNN (the engine uses libtorch's path)\n");
    return;
  }
  const double err = (all.to(at::kDouble) - ref).abs().max().item<double>();
  Check(err < 1e-5, "packed attention equals the padded, masked reference (max error " + std::to_string(err) + ")");

  // A subset of query rows (per sequence 3, 0, 3, 16 and 1): one sequence with none and one
  // with all of its rows.
  const std::vector<int64_t> rows = {0, 3, 6, 8, 9, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57};
  const at::Tensor idx = at::tensor(rows, at::kLong);
  const at::Tensor some = dbn::PackedAttention(qkv, lengths, heads, &rows);
  const double err_rows = (some.to(at::kDouble) - ref.index_select(0, idx)).abs().max().item<double>();
  Check(some.size(0) == static_cast<int64_t>(rows.size()) && err_rows < 1e-5,
        "attention for chosen query rows equals those rows of the full result (max error " +
            std::to_string(err_rows) + ")");

  // One sequence alone gives the same rows as inside a batch.
  const at::Tensor alone = dbn::PackedAttention(qkv.narrow(0, 8, 33).contiguous(), {33}, heads, nullptr);
  Check((alone - all.narrow(0, 8, 33)).abs().max().item<double>() < 1e-6, "batched equals single");
}

}  // namespace

int main() {
  at::set_num_threads(2);
  AllocatorTests();
  AttentionTests();
  std::printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
