// Attention over packed sequences (no padding) on the CPU, with oneDNN batched matmuls.
//
// Each sequence attends over its own keys only: softmax(Q K^T / sqrt(head_dim)) V per head,
// read in place from strided views of the fused QKV rows (no padding, no transposing copies)
// and written straight into packed [tokens, dim] rows. A sequence's scores
// ([heads, queries, keys]) are made, normalized and consumed while they sit in cache. No mask
// is needed, so the result equals Hugging Face's masked, padded attention on the real rows.
// libtorch 1.13 would send these products to the system BLAS, whose kernels on this CPU
// reach ~15 GFLOP/s on them.
#pragma once

#include <ATen/Tensor.h>

#include <cstdint>
#include <vector>

namespace dbn {

// qkv: [tokens, 3 * dim] float32 contiguous on CPU, Q | K | V per row, sequences back to back
// with `lengths` tokens each. query_rows: sorted packed row indices whose queries are wanted
// (keys and values still come from every row); nullptr = every row. Returns [queries, dim];
// an undefined tensor when oneDNN is not compiled in or cannot run these inputs, in which
// case the caller uses its own path.
at::Tensor PackedAttention(const at::Tensor& qkv, const std::vector<int32_t>& lengths,
                           int64_t heads, const std::vector<int64_t>* query_rows);

}  // namespace dbn
