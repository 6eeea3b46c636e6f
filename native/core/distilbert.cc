#include "core/distilbert.h"

#include <ATen/ATen.h>
#include <sys/stat.h>

#include <cmath>

#include "common/error.h"

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

at::Tensor Activate(const at::Tensor& x, Activation act) {
  return act == Activation::kGelu ? at::gelu(x) : at::relu(x);  // gelu: exact erf form
}

}  // namespace

DistilBert::DistilBert(ModelConfig config, DistilBertWeights weights, c10::Device device,
                       std::string weights_path, std::string format)
    : config_(std::move(config)),
      weights_(std::move(weights)),
      device_(device),
      weights_path_(std::move(weights_path)),
      format_(std::move(format)) {}

std::string DistilBert::device() const { return device_.str(); }

std::unique_ptr<DistilBert> DistilBert::Load(const std::string& path, const LoadOptions& options) {
  if (options.dtype != "float32") {
    throw Error(ErrorCode::kInvalidArgument,
                "dtype must be \"float32\", got \"" + options.dtype + "\"");
  }
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
                  "model.torchscript.pt from scripts/export-torchscript.py). PyTorch .bin "
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
  DistilBertWeights weights = BuildWeights(config, lookup, device, weights_path);
  return std::unique_ptr<DistilBert>(
      new DistilBert(std::move(config), std::move(weights), device, weights_path, format));
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

at::Tensor DistilBert::Encode(const TokenBatch& batch) const {
  Validate(batch);
  const int64_t b = static_cast<int64_t>(batch.lengths.size());
  int64_t s = 0;
  for (int32_t len : batch.lengths) s = std::max<int64_t>(s, len);
  // Right-pad into one [b, s] block on the host, then move it to the device once.
  at::Tensor ids = at::full({b, s}, config_.pad_token_id, at::kLong);
  at::Tensor keep = at::zeros({b, s}, at::kBool);
  {
    auto ids_a = ids.accessor<int64_t, 2>();
    auto keep_a = keep.accessor<bool, 2>();
    size_t k = 0;
    for (int64_t i = 0; i < b; ++i) {
      for (int32_t j = 0; j < batch.lengths[i]; ++j) {
        ids_a[i][j] = batch.ids[k++];
        keep_a[i][j] = true;
      }
    }
  }
  ids = ids.to(device_);
  keep = keep.to(device_);

  const auto& w = weights_;
  const int64_t d = config_.dim, heads = config_.n_heads, hd = d / heads;
  at::Tensor x = at::embedding(w.word_emb, ids) + w.pos_emb.narrow(0, 0, s).unsqueeze(0);
  x = at::layer_norm(x, {d}, w.emb_ln_w, w.emb_ln_b, kLayerNormEps);
  // HF fills masked scores with the dtype's lowest value (not -inf), so a fully masked row
  // cannot produce NaN; the same here.
  const at::Tensor masked = keep.logical_not().view({b, 1, 1, s});
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  for (const auto& l : w.layers) {
    auto split = [&](const at::Tensor& t) { return t.view({b, s, heads, hd}).transpose(1, 2); };
    at::Tensor q = split(at::linear(x, l.q_w, l.q_b)) * scale;
    at::Tensor k = split(at::linear(x, l.k_w, l.k_b));
    at::Tensor v = split(at::linear(x, l.v_w, l.v_b));
    at::Tensor scores = at::matmul(q, k.transpose(-1, -2));
    scores.masked_fill_(masked, std::numeric_limits<float>::lowest());
    at::Tensor ctx = at::matmul(at::softmax(scores, -1), v).transpose(1, 2).reshape({b, s, d});
    at::Tensor sa = at::layer_norm(at::linear(ctx, l.out_w, l.out_b) + x, {d}, l.sa_ln_w,
                                   l.sa_ln_b, kLayerNormEps);
    at::Tensor ff = at::linear(Activate(at::linear(sa, l.ffn1_w, l.ffn1_b), config_.activation),
                               l.ffn2_w, l.ffn2_b);
    x = at::layer_norm(ff + sa, {d}, l.out_ln_w, l.out_ln_b, kLayerNormEps);
  }
  return x;
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

// Flat row index (in the padded [batch * max_len] layout) of every real token, in input order.
std::vector<int64_t> RealRows(const TokenBatch& batch) {
  int64_t s = 0;
  for (int32_t len : batch.lengths) s = std::max<int64_t>(s, len);
  std::vector<int64_t> rows;
  rows.reserve(batch.ids.size());
  for (size_t i = 0; i < batch.lengths.size(); ++i) {
    for (int32_t j = 0; j < batch.lengths[i]; ++j) rows.push_back(static_cast<int64_t>(i) * s + j);
  }
  return rows;
}

}  // namespace

at::Tensor DistilBert::EncodePacked(const TokenBatch& batch) const {
  const at::Tensor hidden = Encode(batch);
  const at::Tensor rows = at::tensor(RealRows(batch), at::kLong).to(device_);
  return hidden.reshape({-1, config_.dim}).index_select(0, rows);
}

std::vector<float> DistilBert::SequenceLogits(const TokenBatch& batch) const {
  RequireHead(HeadKind::kSequenceClassification, "text classification");
  const at::Tensor cls = Encode(batch).select(1, 0);
  const auto& w = weights_;
  at::Tensor h = at::relu(at::linear(cls, w.pre_classifier_w, w.pre_classifier_b));
  return ToHost(at::linear(h, w.classifier_w, w.classifier_b));
}

std::vector<float> DistilBert::TokenLogits(const TokenBatch& batch) const {
  RequireHead(HeadKind::kTokenClassification, "token classification");
  return ToHost(at::linear(EncodePacked(batch), weights_.classifier_w, weights_.classifier_b));
}

std::pair<std::vector<float>, std::vector<float>> DistilBert::QaLogits(const TokenBatch& batch) const {
  RequireHead(HeadKind::kQuestionAnswering, "question answering");
  const at::Tensor logits = at::linear(EncodePacked(batch), weights_.qa_w, weights_.qa_b);
  return {ToHost(logits.select(1, 0)), ToHost(logits.select(1, 1))};
}

std::vector<float> DistilBert::Embed(const TokenBatch& batch, Pooling pooling, bool normalize) const {
  const at::Tensor hidden = Encode(batch);
  at::Tensor pooled;
  if (pooling == Pooling::kCls) {
    pooled = hidden.select(1, 0);
  } else {
    std::vector<float> lengths(batch.lengths.begin(), batch.lengths.end());
    const int64_t b = hidden.size(0), s = hidden.size(1);
    at::Tensor keep = at::arange(s, at::kLong).unsqueeze(0).lt(
        at::tensor(std::vector<int64_t>(batch.lengths.begin(), batch.lengths.end()), at::kLong)
            .unsqueeze(1));
    keep = keep.to(device_, at::kFloat).view({b, s, 1});
    pooled = (hidden * keep).sum(1) / at::tensor(lengths).to(device_).unsqueeze(1);
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
  std::vector<int64_t> flat_rows;
  {
    size_t k = 0;
    int64_t s = 0;
    for (int32_t len : batch.lengths) s = std::max<int64_t>(s, len);
    for (size_t i = 0; i < batch.lengths.size(); ++i) {
      for (int32_t j = 0; j < batch.lengths[i]; ++j, ++k) {
        if (k < batch.ids.size() && batch.ids[k] == mask_id) {
          result.rows.push_back(static_cast<int32_t>(i));
          result.positions.push_back(j);
          flat_rows.push_back(static_cast<int64_t>(i) * s + j);
        }
      }
    }
  }
  if (flat_rows.empty()) {
    throw Error(ErrorCode::kNoMask, "no mask token in the input; put one [MASK] where a word "
                                    "should be predicted");
  }
  const at::Tensor hidden = Encode(batch);
  const auto& w = weights_;
  const int64_t d = config_.dim;
  at::Tensor rows = at::tensor(flat_rows, at::kLong).to(device_);
  at::Tensor h = hidden.reshape({-1, d}).index_select(0, rows);
  h = Activate(at::linear(h, w.vocab_transform_w, w.vocab_transform_b), config_.activation);
  h = at::layer_norm(h, {d}, w.vocab_ln_w, w.vocab_ln_b, kLayerNormEps);
  at::Tensor probs = at::softmax(at::linear(h, w.vocab_proj_w, w.vocab_proj_b), -1);
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
