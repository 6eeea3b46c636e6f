#include "core/distilbert.h"

#include <ATen/ATen.h>
#include <sys/stat.h>

#include <cmath>

#include "common/error.h"
#include "core/attention.h"
#include "core/cpu_allocator.h"

namespace dbn {
namespace {

// DistilBERT hard-codes this epsilon in every LayerNorm (config.json has no such field).
constexpr double kLayerNormEps = 1e-12;

bool IsFile(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}
bool IsDir(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
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
    return c10::Device(name);
  }
  throw Error(ErrorCode::kInvalidArgument,
              "device must be \"cpu\" or \"cuda[:N]\", got \"" + name + "\"");
}

}  // namespace

DistilBert::DistilBert(ModelConfig config, DistilBertWeights weights, c10::Device device,
                       std::string weights_path, std::string format, ComputeType compute,
                       std::unique_ptr<ScriptModel> script)
    : config_(std::move(config)),
      weights_(std::move(weights)),
      device_(device),
      weights_path_(std::move(weights_path)),
      format_(std::move(format)),
      script_(std::move(script)) {
  dtype_ = compute == ComputeType::kBFloat16 ? "bfloat16" : "float32";
  const Epilogue act = config_.activation == Activation::kGelu ? Epilogue::kGelu : Epilogue::kRelu;
  int64_t layer_bytes = 0;
  for (LayerWeights& l : weights_.layers) {
    LayerOps ops;
    // One GEMM for Q, K and V: [3*dim, dim].
    ops.qkv = Linear(at::cat({l.q_w, l.k_w, l.v_w}, 0), at::cat({l.q_b, l.k_b, l.v_b}, 0),
                     Epilogue::kNone, compute);
    ops.out = Linear(l.out_w, l.out_b, Epilogue::kNone, compute);
    ops.ffn1 = Linear(l.ffn1_w, l.ffn1_b, act, compute);
    ops.ffn2 = Linear(l.ffn2_w, l.ffn2_b, Epilogue::kNone, compute);
    ops.sa_ln_w = l.sa_ln_w;
    ops.sa_ln_b = l.sa_ln_b;
    ops.out_ln_w = l.out_ln_w;
    ops.out_ln_b = l.out_ln_b;
    for (const Linear* lin : {&ops.qkv, &ops.out, &ops.ffn1, &ops.ffn2}) layer_bytes += lin->weight_bytes();
    layer_bytes += 4 * l.sa_ln_w.nbytes();
    layers_.push_back(std::move(ops));
    l = LayerWeights();  // drop the source tensors: the Linear ops hold what runs
  }
  if (config_.head == HeadKind::kMaskedLm && !script_) {
    vocab_transform_ = Linear(weights_.vocab_transform_w, weights_.vocab_transform_b, act, compute);
    // float32 even for bfloat16 models: a bfloat16 copy would hold the tied embeddings twice.
    vocab_projector_ = Linear::Shared(weights_.vocab_proj_w, weights_.vocab_proj_b);
  }
  // Embeddings and heads as resolved (the tied projector is the embedding itself).
  int64_t other = 0;
  for (const at::Tensor* t : {&weights_.word_emb, &weights_.pos_emb, &weights_.emb_ln_w,
                              &weights_.emb_ln_b, &weights_.vocab_transform_w,
                              &weights_.vocab_transform_b, &weights_.vocab_ln_w, &weights_.vocab_ln_b,
                              &weights_.vocab_proj_b, &weights_.pre_classifier_w,
                              &weights_.pre_classifier_b, &weights_.classifier_w,
                              &weights_.classifier_b, &weights_.qa_w, &weights_.qa_b}) {
    if (t->defined()) other += t->nbytes();
  }
  if (weights_.vocab_proj_w.defined() && !weights_.vocab_proj_w.is_same(weights_.word_emb)) {
    other += weights_.vocab_proj_w.nbytes();
  }
  parameter_bytes_ = layer_bytes + other;
}

DistilBert::~DistilBert() {
  // Activation blocks cached for this model's forwards go back to malloc; a model still in
  // use elsewhere refills the cache on its next forward.
  CachingCpuAllocator::TrimInstalled();
}

std::string DistilBert::device() const { return device_.str(); }

std::unique_ptr<DistilBert> DistilBert::Load(const std::string& path, const LoadOptions& options) {
  if (options.dtype != "float32" && options.dtype != "bfloat16") {
    throw Error(ErrorCode::kInvalidArgument,
                "dtype must be \"float32\" or \"bfloat16\", got \"" + options.dtype + "\"");
  }
  const ComputeType compute =
      options.dtype == "bfloat16" ? ComputeType::kBFloat16 : ComputeType::kFloat32;
  // Large activation buffers are reused rather than mapped afresh by every forward (see
  // core/cpu_allocator.h). Process-wide, installed once.
  CachingCpuAllocator::InstallOnce();
  if (options.format != "auto" && options.format != "safetensors" &&
      options.format != "torchscript") {
    throw Error(ErrorCode::kInvalidArgument,
                "format must be \"auto\", \"safetensors\" or \"torchscript\", got \"" +
                    options.format + "\"");
  }
  const c10::Device device = ParseDevice(options.device);
  std::string dir = path, weights_path;
  if (IsFile(path)) {
    const auto slash = path.find_last_of('/');
    dir = slash == std::string::npos ? "." : path.substr(0, slash);
    weights_path = path;
  } else if (!IsDir(path)) {
    throw Error(ErrorCode::kModelLoadFailed,
                "model path \"" + path + "\" does not exist; pass a Hugging Face checkpoint "
                "directory (config.json + model.safetensors)");
  }
  std::string format = options.format;
  if (weights_path.empty()) {
    const bool st = IsFile(dir + "/model.safetensors");
    const bool ts = IsFile(dir + "/model.torchscript.pt");
    if (format == "auto") format = st ? "safetensors" : ts ? "torchscript" : "";
    if (format == "safetensors" && st) weights_path = dir + "/model.safetensors";
    if (format == "torchscript" && ts) weights_path = dir + "/model.torchscript.pt";
    if (weights_path.empty()) {
      throw Error(ErrorCode::kModelLoadFailed,
                  "no weights in \"" + dir + "\": expected model.safetensors (or "
                  "model.torchscript.pt from tools/model/export-torchscript.py). PyTorch .bin "
                  "checkpoints must be converted to safetensors first");
    }
  } else if (format == "auto") {
    format = EndsWith(weights_path, ".safetensors") ? "safetensors" : "torchscript";
  }
  if (!IsFile(dir + "/config.json")) {
    throw Error(ErrorCode::kModelLoadFailed, "missing " + dir + "/config.json");
  }
  ModelConfig config = LoadConfigFile(dir + "/config.json");
  TensorLookup lookup =
      format == "safetensors" ? SafetensorsLookup(weights_path) : TorchScriptLookup(weights_path);
  DistilBertWeights weights;
  std::unique_ptr<ScriptModel> script;
  try {
    weights = BuildWeights(config, lookup, device, weights_path);
  } catch (const Error& e) {
    // A TorchScript archive whose parameters don't map (a custom architecture) still runs,
    // through its own forward.
    if (format != "torchscript" || e.code() != ErrorCode::kUnsupportedModel) throw;
    if (compute == ComputeType::kBFloat16) {
      throw Error(ErrorCode::kInvalidArgument,
                  "dtype \"bfloat16\" needs weights the engine can map; this TorchScript archive "
                  "runs its own forward (" + std::string(e.what()) + ")");
    }
    script = ScriptModel::Load(weights_path, device);
  }
  return std::unique_ptr<DistilBert>(new DistilBert(std::move(config), std::move(weights), device,
                                                    weights_path, format, compute, std::move(script)));
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

at::Tensor DistilBert::Encode(const TokenBatch& batch, const std::vector<int64_t>* rows) const {
  Validate(batch);
  const int64_t t = static_cast<int64_t>(batch.ids.size()), d = config_.dim;
  std::vector<int64_t> ids(batch.ids.begin(), batch.ids.end()), positions;
  positions.reserve(t);
  for (int32_t len : batch.lengths) {
    for (int32_t j = 0; j < len; ++j) positions.push_back(j);
  }
  const auto& w = weights_;
  at::Tensor x = at::embedding(w.word_emb, at::tensor(ids, at::kLong).to(device_)) +
                 at::embedding(w.pos_emb, at::tensor(positions, at::kLong).to(device_));
  x = at::layer_norm(x, {d}, w.emb_ln_w, w.emb_ln_b, kLayerNormEps);
  TORCH_CHECK(x.size(0) == t);
  for (size_t i = 0; i < layers_.size(); ++i) {
    const LayerOps& l = layers_[i];
    const at::Tensor qkv = l.qkv(x);
    at::Tensor ctx;
    if (rows != nullptr && i + 1 == layers_.size()) {
      // Last layer, only some rows wanted: keys and values come from every token, but the
      // queries, output projection, LayerNorms and FFN run on those rows alone.
      const at::Tensor picked = at::tensor(*rows, at::kLong).to(device_);
      ctx = Attention(qkv, batch, rows);
      x = x.index_select(0, picked);
    } else {
      ctx = Attention(qkv, batch, nullptr);
    }
    at::Tensor sa = at::layer_norm(l.out(ctx) + x, {d}, l.sa_ln_w, l.sa_ln_b, kLayerNormEps);
    x = at::layer_norm(l.ffn2(l.ffn1(sa)) + sa, {d}, l.out_ln_w, l.out_ln_b, kLayerNormEps);
  }
  if (rows != nullptr && layers_.empty()) x = x.index_select(0, at::tensor(*rows, at::kLong).to(device_));
  return x;
}

at::Tensor DistilBert::PaddedRows(const TokenBatch& batch, int64_t max_len) const {
  std::vector<int64_t> rows;
  rows.reserve(batch.ids.size());
  for (size_t i = 0; i < batch.lengths.size(); ++i) {
    for (int32_t j = 0; j < batch.lengths[i]; ++j) rows.push_back(static_cast<int64_t>(i) * max_len + j);
  }
  return at::tensor(rows, at::kLong).to(device_);
}

// qkv: packed [tokens, 3*dim] → context packed [tokens, dim], or [rows, dim] for the query
// rows given (sorted, packed indices). On the CPU each sequence attends on its own
// (core/attention.h); elsewhere sequences are padded to the longest for this step only;
// projections and FFN never see padding rows.
at::Tensor DistilBert::Attention(const at::Tensor& qkv, const TokenBatch& batch,
                                 const std::vector<int64_t>* query_rows) const {
  const int64_t heads = config_.n_heads;
  if (at::Tensor fast = PackedAttention(qkv, batch.lengths, heads, query_rows); fast.defined()) {
    return fast;
  }
  const int64_t b = static_cast<int64_t>(batch.lengths.size());
  const int64_t d = config_.dim, hd = d / heads;
  int64_t s = 0;
  for (int32_t len : batch.lengths) s = std::max<int64_t>(s, len);
  const bool ragged = static_cast<int64_t>(batch.ids.size()) != b * s;
  at::Tensor rows, keep;
  at::Tensor padded = qkv;
  if (ragged) {
    rows = PaddedRows(batch, s);
    padded = at::zeros({b * s, 3 * d}, qkv.options()).index_copy_(0, rows, qkv);
    keep = at::arange(s, at::kLong).unsqueeze(0).lt(
        at::tensor(std::vector<int64_t>(batch.lengths.begin(), batch.lengths.end()), at::kLong)
            .unsqueeze(1));
    keep = keep.to(device_).view({b, 1, 1, s});
  }
  // [b, s, 3, heads, hd] → three [b, heads, s, hd]
  at::Tensor parts = padded.view({b, s, 3, heads, hd}).permute({2, 0, 3, 1, 4});
  at::Tensor q = parts[0], k = parts[1], v = parts[2];
  at::Tensor ctx;
#if TORCH_VERSION_MAJOR >= 2
  // Fused kernels (flash / memory-efficient on CUDA, fused on CPU); default scale 1/sqrt(hd).
  ctx = at::scaled_dot_product_attention(q, k, v, keep.defined() ? c10::optional<at::Tensor>(keep)
                                                                  : c10::nullopt);
#else
  at::Tensor scores = at::matmul(q * (1.0 / std::sqrt(static_cast<double>(hd))), k.transpose(-1, -2));
  // HF fills masked scores with the dtype's lowest value (not -inf): same here.
  if (keep.defined()) scores.masked_fill_(keep.logical_not(), std::numeric_limits<float>::lowest());
  ctx = at::matmul(at::softmax(scores, -1), v);
#endif
  ctx = ctx.transpose(1, 2).reshape({b * s, d});
  if (ragged) ctx = ctx.index_select(0, rows);
  if (query_rows != nullptr) ctx = ctx.index_select(0, at::tensor(*query_rows, at::kLong).to(device_));
  return ctx;
}

void DistilBert::RequireHead(HeadKind head, const char* task) const {
  if (config_.head != head) {
    throw Error(ErrorCode::kUnsupportedModel,
                std::string(task) + " needs a " + HeadKindName(head) + " checkpoint; this one is " +
                    HeadKindName(config_.head));
  }
}

namespace {

std::vector<float> ToHost(const at::Tensor& t) {
  at::Tensor c = t.to(at::kCPU, at::kFloat).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// Packed row of each sequence's first token ([CLS]).
std::vector<int64_t> FirstRows(const TokenBatch& batch) {
  std::vector<int64_t> rows;
  int64_t offset = 0;
  for (int32_t len : batch.lengths) {
    rows.push_back(offset);
    offset += len;
  }
  return rows;
}

}  // namespace

std::vector<at::Tensor> DistilBert::RunScript(const TokenBatch& batch, at::Tensor* rows) const {
  Validate(batch);
  const int64_t b = static_cast<int64_t>(batch.lengths.size());
  int64_t s = 0;
  for (int32_t len : batch.lengths) s = std::max<int64_t>(s, len);
  at::Tensor ids = at::full({b, s}, config_.pad_token_id, at::kLong);
  at::Tensor mask = at::zeros({b, s}, at::kLong);
  auto ids_a = ids.accessor<int64_t, 2>();
  auto mask_a = mask.accessor<int64_t, 2>();
  size_t k = 0;
  for (int64_t i = 0; i < b; ++i) {
    for (int32_t j = 0; j < batch.lengths[i]; ++j) {
      ids_a[i][j] = batch.ids[k++];
      mask_a[i][j] = 1;
    }
  }
  *rows = PaddedRows(batch, s);
  return script_->Forward(ids.to(device_), mask.to(device_));
}

std::vector<float> DistilBert::SequenceLogits(const TokenBatch& batch) const {
  RequireHead(HeadKind::kSequenceClassification, "text classification");
  if (script_) {
    at::Tensor rows;
    return ToHost(RunScript(batch, &rows).at(0));
  }
  const std::vector<int64_t> first = FirstRows(batch);
  const at::Tensor cls = Encode(batch, &first);
  const auto& w = weights_;
  at::Tensor h = at::relu(at::linear(cls, w.pre_classifier_w, w.pre_classifier_b));
  return ToHost(at::linear(h, w.classifier_w, w.classifier_b));
}

std::vector<float> DistilBert::TokenLogits(const TokenBatch& batch) const {
  RequireHead(HeadKind::kTokenClassification, "token classification");
  if (script_) {
    at::Tensor rows;
    const at::Tensor logits = RunScript(batch, &rows).at(0);
    return ToHost(logits.reshape({-1, logits.size(-1)}).index_select(0, rows));
  }
  return ToHost(at::linear(Encode(batch), weights_.classifier_w, weights_.classifier_b));
}

std::pair<std::vector<float>, std::vector<float>> DistilBert::QaLogits(const TokenBatch& batch) const {
  RequireHead(HeadKind::kQuestionAnswering, "question answering");
  if (script_) {
    at::Tensor rows;
    const auto outs = RunScript(batch, &rows);
    if (outs.size() < 2) throw Error(ErrorCode::kUnsupportedModel, "the QA module must return (start, end)");
    return {ToHost(outs[0].reshape(-1).index_select(0, rows)), ToHost(outs[1].reshape(-1).index_select(0, rows))};
  }
  const at::Tensor logits = at::linear(Encode(batch), weights_.qa_w, weights_.qa_b);
  return {ToHost(logits.select(1, 0)), ToHost(logits.select(1, 1))};
}

std::vector<float> DistilBert::Embed(const TokenBatch& batch, Pooling pooling, bool normalize) const {
  const std::vector<int64_t> first = FirstRows(batch);
  at::Tensor hidden;
  if (script_) {
    // Only a base-model archive returns hidden states.
    RequireHead(HeadKind::kBase, "embeddings from a TorchScript archive that runs its own forward");
    at::Tensor rows;
    hidden = RunScript(batch, &rows).at(0).reshape({-1, config_.dim}).index_select(0, rows);
    if (pooling == Pooling::kCls) hidden = hidden.index_select(0, at::tensor(first, at::kLong).to(device_));
  } else {
    // CLS pooling needs the first rows only, so the last layer runs on those alone.
    hidden = Encode(batch, pooling == Pooling::kCls ? &first : nullptr);
  }
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
  const auto& w = weights_;
  const int64_t d = config_.dim;
  at::Tensor logits;
  if (script_) {
    at::Tensor rows;
    const at::Tensor all = RunScript(batch, &rows).at(0);
    const at::Tensor picked = rows.index_select(0, at::tensor(mask_rows, at::kLong).to(device_));
    logits = all.reshape({-1, all.size(-1)}).index_select(0, picked);
  } else {
    at::Tensor h = Encode(batch, &mask_rows);
    h = at::layer_norm(vocab_transform_(h), {d}, w.vocab_ln_w, w.vocab_ln_b, kLayerNormEps);
    logits = vocab_projector_(h);
  }
  at::Tensor probs = at::softmax(logits.to(at::kFloat), -1);
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
