// The addon's C++ face of a model held by the engine library: owns the opaque DbnModel and
// turns the C table's error codes and malloc'd buffers (engine/dbn_engine.h) back into
// dbn::Error and vectors. No libtorch header is included anywhere in the addon.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "engine/dbn_engine.h"

namespace dbn::addon {

struct LoadOptions {
  std::string device = "cpu";
  std::string dtype = "float32";
  std::string format = "auto";
};

// Token ids of several sequences back to back, without padding.
struct TokenBatch {
  std::vector<int32_t> ids;
  std::vector<int32_t> lengths;
};

struct FillMaskResult {
  int32_t k = 0;
  std::vector<int32_t> rows, positions, token_ids;
  std::vector<float> scores;
};

class EngineModel {
 public:
  // Owner thread: loads the engine library on first use (engine_loader.h; throws
  // kNativeUnavailable when none fits), sets this thread's intra-op threads, loads the model.
  static std::unique_ptr<EngineModel> Load(const std::string& path, const LoadOptions& options,
                                           int threads);
  ~EngineModel();
  EngineModel(const EngineModel&) = delete;
  EngineModel& operator=(const EngineModel&) = delete;

  const ModelConfig& config() const { return config_; }
  const std::string& device() const { return device_; }
  const std::string& dtype() const { return dtype_; }
  const std::string& format() const { return format_; }
  const std::string& weights_path() const { return weights_path_; }
  const std::string& model_dir() const { return model_dir_; }
  bool runs_script() const { return runs_script_; }
  int64_t parameter_bytes() const { return parameter_bytes_; }

  FillMaskResult FillMask(const TokenBatch& batch, int32_t mask_id, int32_t top_k,
                          const std::vector<int32_t>& targets) const;
  // One of DbnRun: one output, or two for DBN_RUN_QA_LOGITS.
  std::vector<std::vector<float>> Run(DbnRun what, const TokenBatch& batch, uint32_t flags = 0) const;

 private:
  EngineModel(const DbnEngineApi* api, DbnModel* model);

  const DbnEngineApi* api_;
  DbnModel* model_;
  ModelConfig config_;
  std::string device_, dtype_, format_, weights_path_, model_dir_;
  bool runs_script_ = false;
  int64_t parameter_bytes_ = 0;
};

}  // namespace dbn::addon
