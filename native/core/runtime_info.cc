#include "core/runtime_info.h"

#include <ATen/Context.h>
#include <ATen/Version.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/version.h>

#include "core/linear.h"

namespace dbn {

namespace {

// The value of `KEY=value` in at::show_config()'s text ("" when absent).
std::string ConfigValue(const std::string& config, const std::string& key) {
  const auto at = config.find(key + "=");
  if (at == std::string::npos) return "";
  const auto start = at + key.size() + 1;
  const auto end = config.find_first_of(", \n", start);
  return config.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

RuntimeInfo GetRuntimeInfo() {
  RuntimeInfo info;
  info.libtorch_version = TORCH_VERSION;
  info.torch_config = at::show_config();
  info.cuda_compiled = at::detail::getCUDAHooks().hasCUDA() || ConfigValue(info.torch_config, "USE_CUDA") == "ON";
  info.cuda_version = ConfigValue(info.torch_config, "CUDA_VERSION");
  if (at::hasCUDA()) {
    info.cuda_device_count = static_cast<int>(at::detail::getCUDAHooks().getNumGPUs());
  }
  info.onednn_linear = LinearHasDnnl();
  info.mkldnn = at::hasMKLDNN();
  info.blas = ConfigValue(info.torch_config, "BLAS_INFO");
  return info;
}

}  // namespace dbn
