#include "core/model_files.h"

#include <ATen/Context.h>

#include "common/error.h"
#include "common/read_file.h"

namespace dbn {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

c10::Device ParseDevice(const std::string& name) {
  if (name == "cpu") return c10::Device(c10::kCPU);
  if (name == "cuda" || name.rfind("cuda:", 0) == 0) {
    if (!at::hasCUDA()) {
      throw Error(ErrorCode::kCudaUnavailable,
                  "device \"" + name + "\" requested but this libtorch build has no CUDA device "
                  "available; use device \"cpu\"");
    }
    try {
      return c10::Device(name);
    } catch (const c10::Error&) {
      throw Error(ErrorCode::kInvalidArgument,
                  "device must be \"cpu\" or \"cuda[:N]\", got \"" + name + "\"");
    }
  }
  throw Error(ErrorCode::kInvalidArgument,
              "device must be \"cpu\" or \"cuda[:N]\", got \"" + name + "\"");
}

}  // namespace

ModelFiles FindModelFiles(const std::string& path, const LoadOptions& options) {
  CheckPath(path, "the model path");
  ModelFiles f;
  if (options.dtype != "float32" && options.dtype != "bfloat16") {
    throw Error(ErrorCode::kInvalidArgument,
                "dtype must be \"float32\" or \"bfloat16\", got \"" + options.dtype + "\"");
  }
  f.compute = options.dtype == "bfloat16" ? ComputeType::kBFloat16 : ComputeType::kFloat32;
  if (options.format != "auto" && options.format != "safetensors" &&
      options.format != "torchscript") {
    throw Error(ErrorCode::kInvalidArgument,
                "format must be \"auto\", \"safetensors\" or \"torchscript\", got \"" +
                    options.format + "\"");
  }
  f.device = ParseDevice(options.device);
  f.dir = path;
  if (IsRegularFile(path)) {
    const auto slash = path.find_last_of('/');
    f.dir = slash == std::string::npos ? "." : path.substr(0, slash);
    f.weights_path = path;
  } else if (!IsDirectory(path)) {
    throw Error(ErrorCode::kModelLoadFailed,
                "model path \"" + path + "\" does not exist; pass a Hugging Face checkpoint "
                "directory (config.json + model.safetensors)");
  }
  f.format = options.format;
  if (f.weights_path.empty()) {
    const bool st = IsRegularFile(f.dir + "/model.safetensors");
    const bool ts = IsRegularFile(f.dir + "/model.torchscript.pt");
    if (f.format == "auto") f.format = st ? "safetensors" : ts ? "torchscript" : "";
    if (f.format == "safetensors" && st) f.weights_path = f.dir + "/model.safetensors";
    if (f.format == "torchscript" && ts) f.weights_path = f.dir + "/model.torchscript.pt";
    if (f.weights_path.empty()) {
      throw Error(ErrorCode::kModelLoadFailed,
                  "no weights in \"" + f.dir + "\": expected model.safetensors (or "
                  "model.torchscript.pt from tools/model/export-torchscript.py). PyTorch .bin "
                  "checkpoints must be converted to safetensors first");
    }
  } else if (f.format == "auto") {
    f.format = EndsWith(f.weights_path, ".safetensors") ? "safetensors" : "torchscript";
  }
  if (!IsRegularFile(f.dir + "/config.json")) {
    throw Error(ErrorCode::kModelLoadFailed, "missing " + f.dir + "/config.json");
  }
  f.config = LoadConfigFile(f.dir + "/config.json");
  return f;
}

}  // namespace dbn
