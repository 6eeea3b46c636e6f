// Kept in its own file: <torch/script.h> is the slowest header to compile in libtorch.
#include <torch/script.h>

#include <unordered_map>

#include "common/error.h"
#include "core/weights.h"

namespace dbn {

TensorLookup TorchScriptLookup(const std::string& path) {
  torch::jit::Module module;
  try {
    module = torch::jit::load(path, c10::Device(c10::kCPU));
  } catch (const c10::Error& e) {
    throw Error(ErrorCode::kModelLoadFailed,
                "cannot load TorchScript archive " + path + ": " + e.what_without_backtrace());
  }
  auto tensors = std::make_shared<std::unordered_map<std::string, at::Tensor>>();
  for (const auto& p : module.named_parameters(/*recurse=*/true)) tensors->emplace(p.name, p.value);
  for (const auto& b : module.named_buffers(/*recurse=*/true)) tensors->emplace(b.name, b.value);
  return [tensors](const std::string& name) -> std::optional<at::Tensor> {
    auto it = tensors->find(name);
    if (it == tensors->end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace dbn
