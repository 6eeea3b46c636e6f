// A loaded DistilBERT checkpoint: validates inputs, checks the head, and turns an engine's
// raw outputs (core/engine.h) into the heads' results. Which engine runs (the packed forward
// or a TorchScript archive's own) is decided once, at load.
// Not thread-safe by design: one owner thread (core/owner_thread.h) calls it.
#pragma once

#include <ATen/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/engine.h"
#include "core/model_files.h"

namespace dbn {

enum class Pooling { kMean, kCls };

struct FillMaskResult {
  int32_t k = 0;                   // candidates per mask row
  std::vector<int32_t> rows;       // sequence index of each mask row, in text order
  std::vector<int32_t> positions;  // token position of each mask row
  std::vector<int32_t> token_ids;  // rows.size() * k, best first
  std::vector<float> scores;       // softmax probability over the whole vocabulary
};

class DistilBert {
 public:
  static std::unique_ptr<DistilBert> Load(const std::string& path, const LoadOptions& options);
  ~DistilBert();

  const ModelConfig& config() const { return config_; }
  const std::string& weights_path() const { return weights_path_; }
  // The checkpoint directory (config.json, tokenizer files): where the weights file is.
  std::string model_dir() const {
    const auto slash = weights_path_.find_last_of('/');
    return slash == std::string::npos ? "." : weights_path_.substr(0, slash);
  }
  const std::string& format() const { return format_; }
  // Bytes of weights held (packed copies included, tied tensors counted once).
  int64_t parameter_bytes() const { return engine_->parameter_bytes(); }
  std::string device() const;
  const std::string& dtype() const { return dtype_; }
  // True when a TorchScript archive's parameters did not map onto DistilBERT's, so its own
  // forward runs (none of the engine's own paths apply).
  bool runs_script() const { return runs_script_; }

  // Masked-LM: top-k over the vocabulary (or over `targets` when non-empty) at every
  // position holding `mask_id`. The head runs only on those rows.
  FillMaskResult FillMask(const TokenBatch& batch, int32_t mask_id, int32_t top_k,
                          const std::vector<int32_t>& targets) const;

  // Encoder output of every real token, packed in input order: [tokens, dim]. No padding
  // is computed except inside attention (where each sequence sees only its own keys).
  // With `rows` (sorted packed indices), only those rows come out, [rows, dim]: the last
  // layer then runs its queries, output projection and FFN on those rows alone.
  at::Tensor Encode(const TokenBatch& batch, const std::vector<int64_t>* rows = nullptr) const;

  // Heads. Outputs are float32 on the host, row-major; "packed" means every real token of
  // every sequence in input order, without padding rows. Each throws kUnsupportedModel when
  // the checkpoint's head is another one.
  std::vector<float> SequenceLogits(const TokenBatch& batch) const;  // [batch, labels]
  std::vector<float> TokenLogits(const TokenBatch& batch) const;     // packed [tokens, labels]
  // Packed start and end logits, each [tokens].
  std::pair<std::vector<float>, std::vector<float>> QaLogits(const TokenBatch& batch) const;
  // Pooled [batch, dim] for any head: mean over each sequence's tokens, or the first token.
  std::vector<float> Embed(const TokenBatch& batch, Pooling pooling, bool normalize) const;
  // Last hidden states of every real token, packed [tokens, dim], for any head: feature
  // extraction without pooling. Padding is never computed, so there are no padding rows.
  // (A TorchScript archive running its own forward has them only as a bare encoder.)
  std::vector<float> HiddenStates(const TokenBatch& batch) const;

 private:
  DistilBert(ModelFiles files, std::unique_ptr<Engine> engine, bool runs_script);
  void Validate(const TokenBatch& batch) const;
  void RequireHead(HeadKind head, const char* task) const;

  ModelConfig config_;
  std::string weights_path_;
  std::string format_;
  c10::Device device_;
  std::string dtype_;
  std::unique_ptr<Engine> engine_;
  bool runs_script_ = false;
};

}  // namespace dbn
