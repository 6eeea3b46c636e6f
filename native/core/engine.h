// What a forward must provide: the raw outputs every head is post-processed from. Two
// engines implement it: the packed DistilBERT forward (packed_engine.h: oneDNN GEMMs, packed
// sequences, head-only-at-needed-rows; the CUDA work goes here) and a TorchScript archive's
// own forward (script_engine.h), for archives whose parameters do not map onto DistilBERT's.
// DistilBert (distilbert.h) validates inputs, checks the head, and turns these tensors into
// the public results; it never needs to know which engine runs.
#pragma once

#include <ATen/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace dbn {

// Token ids of several sequences back to back, without padding.
struct TokenBatch {
  std::vector<int32_t> ids;
  std::vector<int32_t> lengths;
};

// Every method takes a batch already validated against the config (DistilBert::Validate)
// and returns tensors on the engine's device. "Packed": every real token of every sequence
// in input order, without padding rows.
class Engine {
 public:
  virtual ~Engine() = default;
  virtual at::Tensor SequenceLogits(const TokenBatch& batch) const = 0;  // [batch, labels]
  virtual at::Tensor TokenLogits(const TokenBatch& batch) const = 0;     // packed [tokens, labels]
  // Packed start and end logits, each [tokens].
  virtual std::pair<at::Tensor, at::Tensor> QaLogits(const TokenBatch& batch) const = 0;
  // Last hidden states, packed [tokens, dim]; with `rows` (sorted packed indices) only those
  // rows, [rows, dim].
  virtual at::Tensor Hidden(const TokenBatch& batch, const std::vector<int64_t>* rows) const = 0;
  // Masked-LM logits over the vocabulary at the given packed rows: [rows, vocab].
  virtual at::Tensor MaskLogits(const TokenBatch& batch, const std::vector<int64_t>& rows) const = 0;
  // Bytes of weights this engine holds for its forward (packed copies included).
  virtual int64_t parameter_bytes() const = 0;
};

// Packed row of each sequence's first token ([CLS]).
std::vector<int64_t> FirstRows(const TokenBatch& batch);

// Row of each real token in the right-padded [batch * max_len] layout, in input order.
at::Tensor PaddedRows(const TokenBatch& batch, int64_t max_len, const c10::Device& device);

}  // namespace dbn
