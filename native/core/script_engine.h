// A TorchScript archive's own forward(input_ids, attention_mask) as an Engine: inputs are
// right-padded for it, and its outputs are gathered back to packed rows. None of the packed
// engine's paths (packing, oneDNN GEMMs, bfloat16, head-only-at-mask-rows) apply.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/engine.h"
#include "core/script_model.h"

namespace dbn {

class ScriptEngine final : public Engine {
 public:
  ScriptEngine(const ModelConfig& config, std::unique_ptr<ScriptModel> script, c10::Device device);

  at::Tensor SequenceLogits(const TokenBatch& batch) const override;
  at::Tensor TokenLogits(const TokenBatch& batch) const override;
  std::pair<at::Tensor, at::Tensor> QaLogits(const TokenBatch& batch) const override;
  // Only a base-model archive returns hidden states; others throw kUnsupportedModel.
  at::Tensor Hidden(const TokenBatch& batch, const std::vector<int64_t>* rows) const override;
  at::Tensor MaskLogits(const TokenBatch& batch, const std::vector<int64_t>& rows) const override;
  // The archive's parameters are not counted: they are not the engine's.
  int64_t parameter_bytes() const override { return 0; }

 private:
  // The script's outputs for right-padded ids; *rows gets each real token's padded row.
  std::vector<at::Tensor> Run(const TokenBatch& batch, at::Tensor* rows) const;

  ModelConfig config_;
  std::unique_ptr<ScriptModel> script_;
  c10::Device device_;
};

}  // namespace dbn
