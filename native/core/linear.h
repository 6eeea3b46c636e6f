// y = epilogue(x W^T + b) for the engine's dense layers, with the weight prepared once at load.
//
// On CPU, when built with oneDNN headers (DBN_HAVE_DNNL), the weight is reordered into
// oneDNN's packed layout for this CPU (AVX-512 / AMX kernels): libtorch 1.13 sends float32
// linear to the system BLAS, whose kernels here reach about half of what oneDNN does. ReLU is
// fused into the GEMM; GELU runs in place right after it, because oneDNN 2.6's erf-GELU
// post-op slowed the FFN's first GEMM by 10-30% here (dbn_gemm_probe), more than a separate
// vectorized pass costs. Elsewhere (CUDA, or a libtorch without oneDNN headers, such as a
// PyTorch wheel) it is at::linear followed by the activation.
#pragma once

#include <ATen/Tensor.h>

#include <memory>
#include <vector>

namespace dbn {

enum class Epilogue { kNone, kGelu, kRelu };
enum class ComputeType { kFloat32, kBFloat16 };

class Linear {
 public:
  Linear();
  // weight [out, in], bias [out], float32 on the target device. Nothing kept refers to the
  // caller's tensors' memory when that memory borrows a weights file (weights.h, Owned): the
  // packed path reorders the weight straight into oneDNN's layout (converting to bfloat16 on
  // the way), the others keep an owned copy. The caller may drop `weight` afterwards.
  Linear(const at::Tensor& weight, const at::Tensor& bias, Epilogue epilogue, ComputeType compute);
  // One GEMM over several weights stacked along `out` (Q, K and V), each [out_i, in]: each part
  // is packed straight into its rows of the packed weight, without concatenating them first
  // (a concatenation only where oneDNN's layout cannot be split there). bias: [sum out_i].
  Linear(const std::vector<at::Tensor>& weight_parts, const at::Tensor& bias, Epilogue epilogue,
         ComputeType compute);
  // float32 matmul that reads `weight` where it is (kept alive here, not copied or packed):
  // for a weight shared with another use, such as the MLM projector tied to the embeddings.
  static Linear Shared(const at::Tensor& weight, const at::Tensor& bias);
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

// Whether the packed oneDNN path is compiled in (runtimeInfo().onednnLinear, shown by doctor).
bool LinearHasDnnl();

}  // namespace dbn
