#include "core/distilbert.h"

#include <ATen/ATen.h>

#include "common/error.h"
#include "core/cpu_allocator.h"
#include "core/packed_engine.h"
#include "core/script_engine.h"
#include "core/script_model.h"
#include "core/weights.h"

namespace dbn {
namespace {

std::vector<float> ToHost(const at::Tensor& t) {
  at::Tensor c = t.to(at::kCPU, at::kFloat).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

}  // namespace

DistilBert::DistilBert(ModelFiles files, std::unique_ptr<Engine> engine, bool runs_script)
    : config_(std::move(files.config)),
      weights_path_(std::move(files.weights_path)),
      format_(std::move(files.format)),
      device_(files.device),
      dtype_(files.compute == ComputeType::kBFloat16 ? "bfloat16" : "float32"),
      engine_(std::move(engine)),
      runs_script_(runs_script) {}

DistilBert::~DistilBert() {
  // Activation blocks cached for this model's forwards go back to malloc; a model still in
  // use elsewhere refills the cache on its next forward.
  CachingCpuAllocator::TrimInstalled();
}

std::string DistilBert::device() const { return device_.str(); }

std::unique_ptr<DistilBert> DistilBert::Load(const std::string& path, const LoadOptions& options) {
  ModelFiles files = FindModelFiles(path, options);
  // Large activation buffers are reused rather than mapped afresh by every forward (see
  // core/cpu_allocator.h). Process-wide, installed once.
  CachingCpuAllocator& allocator = CachingCpuAllocator::InstallOnce();
  const int64_t cached_before = allocator.Stats().cached_bytes;
  const std::string& weights_path = files.weights_path;
  // Every tensor of a safetensors file must be accounted for by the config. A TorchScript
  // archive holds whatever its module does; one that does not map runs its own forward.
  std::vector<std::string> names;
  const bool safetensors = files.format == "safetensors";
  std::shared_ptr<const std::atomic<int64_t>> borrows;
  TensorLookup lookup = safetensors ? SafetensorsLookup(weights_path, &names, &borrows)
                                    : TorchScriptLookup(weights_path);
  std::unique_ptr<Engine> engine;
  bool runs_script = false;
  try {
    engine = std::make_unique<PackedEngine>(
        files.config, BuildWeights(files.config, lookup, files.device, weights_path,
                                   safetensors ? &names : nullptr), files.device,
        files.compute);
  } catch (const Error& e) {
    // A TorchScript archive whose parameters don't map (a custom architecture) still runs,
    // through its own forward.
    if (files.format != "torchscript" || e.code() != ErrorCode::kUnsupportedModel) throw;
    if (files.compute == ComputeType::kBFloat16) {
      throw Error(ErrorCode::kInvalidArgument,
                  "dtype \"bfloat16\" needs weights the engine can map; this TorchScript archive "
                  "runs its own forward (" + std::string(e.what()) + ")");
    }
    engine = std::make_unique<ScriptEngine>(files.config, ScriptModel::Load(weights_path, files.device),
                                            files.device);
    runs_script = true;
  }
  // The file is unmapped here, unless a tensor the engine kept still borrows it: then the model
  // would read its file after the load (changed answers or SIGBUS when the file changes).
  lookup = nullptr;
  if (borrows && borrows->load(std::memory_order_acquire) != 0) {
    throw Error(ErrorCode::kInternal,
                weights_path + ": internal error: " + std::to_string(borrows->load()) +
                    " loaded tensors still read the weights file; please report this");
  }
  // Blocks the load freed (converted or concatenated weights, once packed) are not a
  // forward's working set: give them back rather than keep them cached.
  if (allocator.Stats().cached_bytes > cached_before) allocator.Trim();
  return std::unique_ptr<DistilBert>(new DistilBert(std::move(files), std::move(engine), runs_script));
}

void DistilBert::Validate(const TokenBatch& batch) const {
  if (batch.lengths.empty()) throw Error(ErrorCode::kInvalidArgument, "the batch has no sequences");
  int64_t total = 0;
  for (size_t i = 0; i < batch.lengths.size(); ++i) {
    const int32_t len = batch.lengths[i];
    if (len <= 0) {
      throw Error(ErrorCode::kInvalidArgument,
                  "sequence " + std::to_string(i) + " is empty; every sequence needs a token");
    }
    if (len > config_.max_position_embeddings) {
      throw Error(ErrorCode::kInputTooLong,
                  "sequence " + std::to_string(i) + " has " + std::to_string(len) +
                      " tokens; the model accepts at most " +
                      std::to_string(config_.max_position_embeddings) + ". Shorten or truncate it");
    }
    total += len;
  }
  if (total != static_cast<int64_t>(batch.ids.size())) {
    throw Error(ErrorCode::kInvalidArgument, "token lengths do not add up to the ids given");
  }
  for (size_t i = 0; i < batch.ids.size(); ++i) {
    if (batch.ids[i] < 0 || batch.ids[i] >= config_.vocab_size) {
      throw Error(ErrorCode::kInvalidArgument,
                  "token id " + std::to_string(batch.ids[i]) + " is outside the vocabulary of " +
                      std::to_string(config_.vocab_size));
    }
  }
}

void DistilBert::RequireHead(HeadKind head, const char* task) const {
  if (config_.head != head) {
    throw Error(ErrorCode::kUnsupportedModel,
                std::string(task) + " needs a " + HeadKindName(head) + " checkpoint; this one is " +
                    HeadKindName(config_.head));
  }
}

at::Tensor DistilBert::Encode(const TokenBatch& batch, const std::vector<int64_t>* rows) const {
  Validate(batch);
  return engine_->Hidden(batch, rows);
}

std::vector<float> DistilBert::SequenceLogits(const TokenBatch& batch) const {
  RequireHead(HeadKind::kSequenceClassification, "text classification");
  Validate(batch);
  return ToHost(engine_->SequenceLogits(batch));
}

std::vector<float> DistilBert::TokenLogits(const TokenBatch& batch) const {
  RequireHead(HeadKind::kTokenClassification, "token classification");
  Validate(batch);
  return ToHost(engine_->TokenLogits(batch));
}

std::pair<std::vector<float>, std::vector<float>> DistilBert::QaLogits(const TokenBatch& batch) const {
  RequireHead(HeadKind::kQuestionAnswering, "question answering");
  Validate(batch);
  const auto [start, end] = engine_->QaLogits(batch);
  return {ToHost(start), ToHost(end)};
}

std::vector<float> DistilBert::Embed(const TokenBatch& batch, Pooling pooling, bool normalize) const {
  Validate(batch);
  // CLS pooling needs the first rows only, so the last layer runs on those alone.
  const std::vector<int64_t> first = FirstRows(batch);
  const at::Tensor hidden = engine_->Hidden(batch, pooling == Pooling::kCls ? &first : nullptr);
  at::Tensor pooled;
  if (pooling == Pooling::kCls) {
    pooled = hidden;
  } else {
    std::vector<int64_t> seq_of_row;
    seq_of_row.reserve(batch.ids.size());
    for (size_t i = 0; i < batch.lengths.size(); ++i) seq_of_row.insert(seq_of_row.end(), batch.lengths[i], static_cast<int64_t>(i));
    const int64_t b = static_cast<int64_t>(batch.lengths.size());
    std::vector<float> lengths(batch.lengths.begin(), batch.lengths.end());
    pooled = at::zeros({b, config_.dim}, hidden.options())
                 .index_add_(0, at::tensor(seq_of_row, at::kLong).to(device_), hidden) /
             at::tensor(lengths).to(device_).unsqueeze(1);
  }
  if (normalize) pooled = pooled / pooled.norm(2, {1}, /*keepdim=*/true).clamp_min(1e-12);
  return ToHost(pooled);
}

std::vector<float> DistilBert::HiddenStates(const TokenBatch& batch) const {
  Validate(batch);
  return ToHost(engine_->Hidden(batch, nullptr));
}

FillMaskResult DistilBert::FillMask(const TokenBatch& batch, int32_t mask_id, int32_t top_k,
                                    const std::vector<int32_t>& targets) const {
  RequireHead(HeadKind::kMaskedLm, "fill-mask");
  if (top_k <= 0) throw Error(ErrorCode::kInvalidArgument, "topK must be a positive integer");
  for (int32_t t : targets) {
    if (t < 0 || t >= config_.vocab_size) {
      throw Error(ErrorCode::kInvalidArgument, "target id " + std::to_string(t) + " out of range");
    }
  }
  FillMaskResult result;
  std::vector<int64_t> mask_rows;  // packed row of each mask
  {
    size_t k = 0;
    for (size_t i = 0; i < batch.lengths.size(); ++i) {
      for (int32_t j = 0; j < batch.lengths[i]; ++j, ++k) {
        if (k < batch.ids.size() && batch.ids[k] == mask_id) {
          result.rows.push_back(static_cast<int32_t>(i));
          result.positions.push_back(j);
          mask_rows.push_back(static_cast<int64_t>(k));
        }
      }
    }
  }
  if (mask_rows.empty()) {
    throw Error(ErrorCode::kNoMask, "no mask token in the input; put one [MASK] where a word "
                                    "should be predicted");
  }
  Validate(batch);
  at::Tensor probs = at::softmax(engine_->MaskLogits(batch, mask_rows).to(at::kFloat), -1);
  at::Tensor candidates;
  if (!targets.empty()) {
    candidates = at::tensor(std::vector<int64_t>(targets.begin(), targets.end()), at::kLong)
                     .to(device_);
    probs = probs.index_select(1, candidates);
  }
  const int64_t k = std::min<int64_t>(top_k, probs.size(1));
  auto [values, indices] = at::topk(probs, k, /*dim=*/1, /*largest=*/true, /*sorted=*/true);
  if (candidates.defined()) indices = candidates.index_select(0, indices.reshape(-1)).view_as(indices);
  values = values.to(at::kCPU).contiguous();
  indices = indices.to(at::kCPU, at::kInt).contiguous();
  result.k = static_cast<int32_t>(k);
  result.scores.assign(values.data_ptr<float>(), values.data_ptr<float>() + values.numel());
  result.token_ids.assign(indices.data_ptr<int32_t>(), indices.data_ptr<int32_t>() + indices.numel());
  return result;
}

}  // namespace dbn
