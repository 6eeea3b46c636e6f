// Native tests of engine parts that need no model: the caching CPU allocator, packed
// attention (against padded, masked attention computed in float64 with plain ATen ops), the
// packed linear layers built from parts, and tensors borrowing a mapped safetensors file.
// Prints failures and a final line "N passed, N failed".
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/InferenceMode.h>

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/attention.h"
#include "core/cpu_allocator.h"
#include "core/linear.h"
#include "core/weights.h"

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


bool Same(const at::Tensor& a, const at::Tensor& b) { return a.sizes() == b.sizes() && a.equal(b); }

void LinearTests() {
  at::manual_seed(3);
  const int64_t in = 64;
  const at::Tensor q = at::randn({64, in}), k = at::randn({64, in}), v = at::randn({64, in});
  const at::Tensor bias = at::randn({192});
  const at::Tensor x = at::randn({5, in});
  for (const auto compute : {dbn::ComputeType::kFloat32, dbn::ComputeType::kBFloat16}) {
    const std::string name = compute == dbn::ComputeType::kFloat32 ? "float32" : "bfloat16";
    try {
      // Parts packed into their rows of one weight give what the concatenated weight gives.
      const dbn::Linear parts({q, k, v}, bias, dbn::Epilogue::kNone, compute);
      const dbn::Linear whole(at::cat({q, k, v}, 0), bias, dbn::Epilogue::kNone, compute);
      Check(Same(parts(x), whole(x)), name + ": Linear from Q, K, V parts equals the concatenation");
      // Parts narrower than oneDNN's blocks (here 64 columns) are concatenated first instead.
      const at::Tensor q2 = q.narrow(0, 0, 32), k2 = k.narrow(0, 0, 32), v2 = v.narrow(0, 0, 32);
      const at::Tensor b2 = bias.narrow(0, 0, 96);
      Check(Same(dbn::Linear({q2, k2, v2}, b2, dbn::Epilogue::kNone, compute)(x),
                 dbn::Linear(at::cat({q2, k2, v2}, 0), b2, dbn::Epilogue::kNone, compute)(x)),
            name + ": Linear from narrow parts equals the concatenation");
      if (compute == dbn::ComputeType::kBFloat16) {
        // The reorder's own float32 -> bfloat16 conversion rounds as libtorch's does: weights
        // already rounded to bfloat16 give the same outputs.
        const at::Tensor w = at::cat({q, k, v}, 0);
        const dbn::Linear rounded(w.to(at::kBFloat16).to(at::kFloat), bias, dbn::Epilogue::kNone, compute);
        Check(Same(whole(x), rounded(x)), "bfloat16: packing converts as at::Tensor::to(kBFloat16)");
      } else {
        const at::Tensor ref = at::linear(x.to(at::kDouble), at::cat({q, k, v}, 0).to(at::kDouble),
                                          bias.to(at::kDouble));
        Check((parts(x).to(at::kDouble) - ref).abs().max().item<double>() < 1e-4,
              "float32: Linear from parts matches x W^T + b");
      }
    } catch (const std::exception& e) {
      std::printf("skipped %s Linear checks: %s\n", name.c_str(), e.what());
    }
  }
}

// A two-tensor safetensors file; returns its path.
std::string WriteSafetensors(const at::Tensor& a, const at::Tensor& b) {
  const std::string path = "/tmp/dbn-core-test-" + std::to_string(::getpid()) + ".safetensors";
  const int64_t na = a.nbytes(), nb = b.nbytes();
  std::string header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[" + std::to_string(a.size(0)) + "," +
                       std::to_string(a.size(1)) + "],\"data_offsets\":[0," + std::to_string(na) +
                       "]},\"b\":{\"dtype\":\"F32\",\"shape\":[" + std::to_string(b.size(0)) +
                       "],\"data_offsets\":[" + std::to_string(na) + "," + std::to_string(na + nb) + "]}}";
  while (header.size() % 8 != 0) header += ' ';
  std::ofstream f(path, std::ios::binary);
  const uint64_t len = header.size();
  for (int i = 0; i < 8; ++i) f.put(static_cast<char>((len >> (8 * i)) & 0xff));
  f << header;
  f.write(static_cast<const char*>(a.data_ptr()), na);
  f.write(static_cast<const char*>(b.data_ptr()), nb);
  return path;
}

bool Mapped(const std::string& path) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find(path) != std::string::npos) return true;
  }
  return false;
}

void BorrowTests() {
  const at::Tensor a = at::randn({300, 100}), b = at::randn({7});
  const std::string path = WriteSafetensors(a, b);
  std::shared_ptr<const std::atomic<int64_t>> live;
  std::vector<std::string> names;
  dbn::TensorLookup lookup = dbn::SafetensorsLookup(path, &names, &live);
  Check(names.size() == 2 && Mapped(path), "lookup maps the file and lists its tensors");
  at::Tensor ta = *lookup("a");
  at::Tensor tb = *lookup("b");
  Check(!lookup("c").has_value(), "an absent name is nullopt");
  Check(Same(ta, a) && Same(tb, b), "borrowed tensors read the file's values");
  Check(dbn::BorrowsFile(ta) && dbn::BorrowsFile(ta.t()) && live->load() == 2,
        "tensors (and their views) borrow the mapping, and are counted");
  const at::Tensor owned = dbn::Owned(ta);
  Check(!dbn::BorrowsFile(owned) && Same(owned, a) && owned.data_ptr() != ta.data_ptr(),
        "Owned() copies a borrowed tensor");
  Check(dbn::Owned(owned).is_same(owned) && !dbn::Owned(at::Tensor()).defined(),
        "Owned() keeps an owned or undefined tensor as it is");
  lookup = nullptr;
  Check(Mapped(path), "a borrowed tensor keeps the mapping after the lookup is gone");
  ta = tb = at::Tensor();
  Check(live->load() == 0 && !Mapped(path), "the file is unmapped with the last borrowed tensor");
  Check(Same(owned, a), "the owned copy outlives the mapping");
  std::remove(path.c_str());
}

}  // namespace

int main() {
  at::set_num_threads(2);
  AllocatorTests();
  AttentionTests();
  LinearTests();
  BorrowTests();
  std::printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
