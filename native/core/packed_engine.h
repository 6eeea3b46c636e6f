// The engine's own DistilBERT forward over packed sequences: fused QKV GEMM, oneDNN packed
// linear layers (optionally bfloat16), per-sequence attention on the CPU (attention.h), and
// the last layer and heads run only on the rows a head needs.
#pragma once

#include <memory>
#include <vector>

#include "core/config.h"
#include "core/engine.h"
#include "core/linear.h"
#include "core/weights.h"

namespace dbn {

class PackedEngine final : public Engine {
 public:
  // Takes the resolved weights; the encoder layers' source tensors are dropped once packed.
  PackedEngine(const ModelConfig& config, DistilBertWeights weights, c10::Device device,
               ComputeType compute);

  at::Tensor SequenceLogits(const TokenBatch& batch) const override;
  at::Tensor TokenLogits(const TokenBatch& batch) const override;
  std::pair<at::Tensor, at::Tensor> QaLogits(const TokenBatch& batch) const override;
  at::Tensor Hidden(const TokenBatch& batch, const std::vector<int64_t>* rows) const override;
  at::Tensor MaskLogits(const TokenBatch& batch, const std::vector<int64_t>& rows) const override;
  int64_t parameter_bytes() const override { return parameter_bytes_; }

 private:
  at::Tensor Attention(const at::Tensor& qkv, const TokenBatch& batch,
                       const std::vector<int64_t>* query_rows) const;

  struct LayerOps {
    Linear qkv, out, ffn1, ffn2;  // ffn1 carries the activation
    at::Tensor sa_ln_w, sa_ln_b, out_ln_w, out_ln_b;
  };

  ModelConfig config_;
  DistilBertWeights weights_;  // embeddings and heads; encoder layers live in layers_
  std::vector<LayerOps> layers_;
  Linear vocab_transform_;
  Linear vocab_projector_;  // reads the (possibly tied) projector weight in place
  int64_t parameter_bytes_ = 0;
  c10::Device device_;
};

}  // namespace dbn
