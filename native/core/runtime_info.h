// What this build of the engine runs on: libtorch's version and configuration, CUDA, the
// BLAS and oneDNN in use. Read by `distilbert-native doctor` through the addon.
#pragma once

#include <string>

namespace dbn {

struct RuntimeInfo {
  std::string libtorch_version;
  bool cuda_compiled = false;   // this libtorch has CUDA
  std::string cuda_version;     // the CUDA runtime libtorch was built with ("" without CUDA)
  int cuda_device_count = 0;    // devices the driver shows (0 without a driver or GPU)
  bool onednn_linear = false;   // the engine's own oneDNN packed GEMMs (a Debian build)
  bool mkldnn = false;          // libtorch's oneDNN (MKL-DNN) backend
  std::string blas;             // libtorch's BLAS_INFO (e.g. "open" for OpenBLAS)
  std::string torch_config;     // at::show_config(), verbatim
};

RuntimeInfo GetRuntimeInfo();

}  // namespace dbn
