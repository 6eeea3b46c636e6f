// Kept in its own file: <torch/script.h> is the slowest header to compile in libtorch.
#include <torch/script.h>

#include <unordered_map>

#include "common/error.h"
#include "core/script_model.h"
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

struct ScriptModel::Impl {
  mutable torch::jit::Module module;
};

ScriptModel::ScriptModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ScriptModel::~ScriptModel() = default;

std::unique_ptr<ScriptModel> ScriptModel::Load(const std::string& path, const c10::Device& device) {
  auto impl = std::make_unique<Impl>();
  try {
    impl->module = torch::jit::load(path, device);
  } catch (const c10::Error& e) {
    throw Error(ErrorCode::kModelLoadFailed,
                "cannot load TorchScript archive " + path + ": " + e.what_without_backtrace());
  }
  impl->module.eval();
  return std::unique_ptr<ScriptModel>(new ScriptModel(std::move(impl)));
}

std::vector<at::Tensor> ScriptModel::Forward(const at::Tensor& ids, const at::Tensor& mask) const {
  c10::IValue out = impl_->module.forward({ids, mask});
  std::vector<at::Tensor> tensors;
  if (out.isTensor()) {
    tensors.push_back(out.toTensor());
  } else if (out.isTuple()) {
    for (const auto& v : out.toTupleRef().elements()) {
      if (v.isTensor()) tensors.push_back(v.toTensor());
    }
  } else if (out.isTensorList()) {
    for (const at::Tensor& t : out.toTensorVector()) tensors.push_back(t);
  }
  if (tensors.empty()) {
    throw Error(ErrorCode::kUnsupportedModel,
                "the TorchScript module's forward returned no tensor; expected the head's outputs");
  }
  return tensors;
}

}  // namespace dbn
