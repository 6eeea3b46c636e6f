// y = epilogue(x W^T + b) for the engine's dense layers, with the weight prepared once at load.
//
// On CPU, when built with oneDNN headers (DBN_HAVE_DNNL), the weight is reordered into
// oneDNN's packed layout for this CPU (AVX-512 / AMX kernels) and GELU/ReLU are fused into the
// GEMM: libtorch 1.13 sends float32 linear to the system BLAS, whose kernels here reach about
// half of what oneDNN does. Elsewhere (CUDA, or a libtorch without oneDNN headers, such as a
// PyTorch wheel) it is at::linear followed by the activation.
#pragma once

#include <ATen/Tensor.h>

#include <memory>

namespace dbn {

enum class Epilogue { kNone, kGelu, kRelu };
enum class ComputeType { kFloat32, kBFloat16 };

class Linear {
 public:
  Linear();
  // weight [out, in], bias [out], float32 on the target device. The packed path copies the
  // weight, so the caller may drop `weight` afterwards.
  Linear(const at::Tensor& weight, const at::Tensor& bias, Epilogue epilogue, ComputeType compute);
  ~Linear();
  Linear(Linear&&) noexcept;
  Linear& operator=(Linear&&) noexcept;

  // x [rows, in] float32, contiguous → [rows, out] float32.
  at::Tensor operator()(const at::Tensor& x) const;

  bool packed() const { return packed_ != nullptr; }
  int64_t weight_bytes() const;

  struct Packed;  // oneDNN state; defined in linear.cc

 private:
  std::unique_ptr<Packed> packed_;
  at::Tensor weight_, bias_;  // fallback path (weight in the compute dtype)
  Epilogue epilogue_ = Epilogue::kNone;
  ComputeType compute_ = ComputeType::kFloat32;
};

// Whether the packed oneDNN path is compiled in (reported in model info and the bench).
bool LinearHasDnnl();

// Scaled dot-product attention over a padded, fused QKV block with oneDNN batched matmuls that
// read Q, K and V in place (strided views of `qkv`, no transposing copies) and write the
// context straight in [batch * seq, dim] order. libtorch 1.13's bmm goes to the system BLAS,
// which on this CPU runs the attention products at ~15 GFLOP/s.
//   qkv: [batch * seq, 3 * dim] float32 contiguous on CPU; keep: [batch, 1, 1, seq] bool or
//   undefined (all kept). Returns [batch * seq, dim]; undefined when oneDNN is not compiled in
//   or cannot run these shapes, in which case the caller uses its own path.
at::Tensor DnnlAttention(const at::Tensor& qkv, int64_t batch, int64_t seq, int64_t heads,
                         int64_t head_dim, const at::Tensor& keep);

}  // namespace dbn
