// A TorchScript archive run through its own forward(input_ids, attention_mask), for archives
// whose parameters do not map onto DistilBERT's names (a custom architecture). None of the
// engine's own paths (packing, oneDNN GEMMs, bfloat16, head-only-at-mask-rows) apply.
#pragma once

#include <ATen/Tensor.h>
#include <c10/core/Device.h>

#include <memory>
#include <string>
#include <vector>

namespace dbn {

class ScriptModel {
 public:
  static std::unique_ptr<ScriptModel> Load(const std::string& path, const c10::Device& device);
  ~ScriptModel();
  // ids, mask: [batch, seq] int64 right-padded. Returns the forward's tensor outputs in order
  // (a tuple or a single tensor).
  std::vector<at::Tensor> Forward(const at::Tensor& ids, const at::Tensor& mask) const;

 private:
  struct Impl;
  explicit ScriptModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dbn
