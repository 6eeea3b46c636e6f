// Finding a checkpoint's files and checking load options, before any tensor is read:
// the weights file and its format (safetensors or TorchScript) from a directory or a file
// path, config.json, the device and compute dtype. Every failure is a dbn::Error naming what
// to pass instead.
#pragma once

#include <c10/core/Device.h>

#include <string>

#include "core/config.h"
#include "core/linear.h"

namespace dbn {

struct LoadOptions {
  std::string device = "cpu";  // "cpu" or "cuda" / "cuda:N"
  // "float32", or "bfloat16" for the encoder's dense layers (activations, LayerNorm, softmax
  // and residuals stay float32).
  std::string dtype = "float32";
  std::string format = "auto";  // "auto", "safetensors" or "torchscript"
};

struct ModelFiles {
  std::string dir;           // holds config.json and the tokenizer files
  std::string weights_path;  // model.safetensors, model.torchscript.pt, or the file given
  std::string format;        // "safetensors" or "torchscript"
  c10::Device device = c10::Device(c10::kCPU);
  ComputeType compute = ComputeType::kFloat32;
  ModelConfig config;
};

// `path`: a checkpoint directory, or a weights file inside one. Throws kInvalidArgument for
// bad options (or a path with a NUL byte), kCudaUnavailable, kModelLoadFailed for missing or
// unreadable files, kUnsupportedModel for a config that is not DistilBERT.
ModelFiles FindModelFiles(const std::string& path, const LoadOptions& options);

}  // namespace dbn
