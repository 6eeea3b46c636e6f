#include "core/packed_engine.h"

#include <ATen/ATen.h>

#include <cmath>
#include <limits>

#include "core/attention.h"

namespace dbn {
namespace {

// DistilBERT hard-codes this epsilon in every LayerNorm (config.json has no such field).
constexpr double kLayerNormEps = 1e-12;

}  // namespace

PackedEngine::PackedEngine(const ModelConfig& config, DistilBertWeights weights,
                           c10::Device device, ComputeType compute)
    : config_(config), weights_(std::move(weights)), device_(device) {
  // The weights may borrow the mapped weights file (weights.h): the GEMM weights are packed
  // straight from it, everything kept as it is gets one owned copy (Owned), so nothing held
  // here reads the file once the load is over, and nothing is copied twice.
  DistilBertWeights& w = weights_;
  const bool tied = w.vocab_proj_w.defined() && w.vocab_proj_w.is_same(w.word_emb);
  for (at::Tensor* t : {&w.word_emb, &w.pos_emb, &w.emb_ln_w, &w.emb_ln_b, &w.vocab_ln_w,
                        &w.vocab_ln_b, &w.vocab_proj_w, &w.vocab_proj_b, &w.pre_classifier_w,
                        &w.pre_classifier_b, &w.classifier_w, &w.classifier_b, &w.qa_w, &w.qa_b}) {
    *t = Owned(*t);
  }
  if (tied) w.vocab_proj_w = w.word_emb;  // one copy of the tied matrix
  const Epilogue act = config_.activation == Activation::kGelu ? Epilogue::kGelu : Epilogue::kRelu;
  int64_t layer_bytes = 0;
  for (LayerWeights& l : w.layers) {
    LayerOps ops;
    // One GEMM for Q, K and V: [3*dim, dim], each part packed into its rows.
    ops.qkv = Linear({l.q_w, l.k_w, l.v_w}, at::cat({l.q_b, l.k_b, l.v_b}, 0), Epilogue::kNone,
                     compute);
    ops.out = Linear(l.out_w, l.out_b, Epilogue::kNone, compute);
    ops.ffn1 = Linear(l.ffn1_w, l.ffn1_b, act, compute);
    ops.ffn2 = Linear(l.ffn2_w, l.ffn2_b, Epilogue::kNone, compute);
    ops.sa_ln_w = Owned(l.sa_ln_w);
    ops.sa_ln_b = Owned(l.sa_ln_b);
    ops.out_ln_w = Owned(l.out_ln_w);
    ops.out_ln_b = Owned(l.out_ln_b);
    for (const Linear* lin : {&ops.qkv, &ops.out, &ops.ffn1, &ops.ffn2}) layer_bytes += lin->weight_bytes();
    layer_bytes += 4 * l.sa_ln_w.nbytes();
    layers_.push_back(std::move(ops));
    l = LayerWeights();  // drop the source tensors: the Linear ops hold what runs
  }
  int64_t head_bytes = 0;
  if (config_.head == HeadKind::kMaskedLm) {
    vocab_transform_ = Linear(w.vocab_transform_w, w.vocab_transform_b, act, compute);
    head_bytes += vocab_transform_.weight_bytes();
    w.vocab_transform_w = w.vocab_transform_b = at::Tensor();  // vocab_transform_ holds them
    // float32 even for bfloat16 models: a bfloat16 copy would hold the tied embeddings twice.
    vocab_projector_ = Linear::Shared(w.vocab_proj_w, w.vocab_proj_b);
  }
  // Embeddings and heads as resolved (the tied projector is the embedding itself).
  int64_t other = 0;
  for (const at::Tensor* t : {&w.word_emb, &w.pos_emb, &w.emb_ln_w, &w.emb_ln_b, &w.vocab_ln_w,
                              &w.vocab_ln_b, &w.vocab_proj_b, &w.pre_classifier_w,
                              &w.pre_classifier_b, &w.classifier_w, &w.classifier_b, &w.qa_w,
                              &w.qa_b}) {
    if (t->defined()) other += t->nbytes();
  }
  if (w.vocab_proj_w.defined() && !w.vocab_proj_w.is_same(w.word_emb)) {
    other += w.vocab_proj_w.nbytes();
  }
  parameter_bytes_ = layer_bytes + head_bytes + other;
}

at::Tensor PackedEngine::Hidden(const TokenBatch& batch, const std::vector<int64_t>* rows) const {
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

// qkv: packed [tokens, 3*dim] → context packed [tokens, dim], or [rows, dim] for the query
// rows given (sorted, packed indices). On the CPU each sequence attends on its own
// (core/attention.h); elsewhere sequences are padded to the longest for this step only;
// projections and FFN never see padding rows.
at::Tensor PackedEngine::Attention(const at::Tensor& qkv, const TokenBatch& batch,
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
    rows = PaddedRows(batch, s, device_);
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

at::Tensor PackedEngine::SequenceLogits(const TokenBatch& batch) const {
  const std::vector<int64_t> first = FirstRows(batch);
  const at::Tensor cls = Hidden(batch, &first);
  const auto& w = weights_;
  at::Tensor h = at::relu(at::linear(cls, w.pre_classifier_w, w.pre_classifier_b));
  return at::linear(h, w.classifier_w, w.classifier_b);
}

at::Tensor PackedEngine::TokenLogits(const TokenBatch& batch) const {
  return at::linear(Hidden(batch, nullptr), weights_.classifier_w, weights_.classifier_b);
}

std::pair<at::Tensor, at::Tensor> PackedEngine::QaLogits(const TokenBatch& batch) const {
  const at::Tensor logits = at::linear(Hidden(batch, nullptr), weights_.qa_w, weights_.qa_b);
  return {logits.select(1, 0), logits.select(1, 1)};
}

at::Tensor PackedEngine::MaskLogits(const TokenBatch& batch, const std::vector<int64_t>& rows) const {
  at::Tensor h = Hidden(batch, &rows);
  h = at::layer_norm(vocab_transform_(h), {config_.dim}, weights_.vocab_ln_w, weights_.vocab_ln_b,
                     kLayerNormEps);
  return vocab_projector_(h);
}

}  // namespace dbn
