#include "core/script_engine.h"

#include <ATen/ATen.h>

#include "common/error.h"

namespace dbn {

ScriptEngine::ScriptEngine(const ModelConfig& config, std::unique_ptr<ScriptModel> script,
                           c10::Device device)
    : config_(config), script_(std::move(script)), device_(device) {}

std::vector<at::Tensor> ScriptEngine::Run(const TokenBatch& batch, at::Tensor* rows) const {
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
  *rows = PaddedRows(batch, s, device_);
  return script_->Forward(ids.to(device_), mask.to(device_));
}

at::Tensor ScriptEngine::SequenceLogits(const TokenBatch& batch) const {
  at::Tensor rows;
  return Run(batch, &rows).at(0);
}

at::Tensor ScriptEngine::TokenLogits(const TokenBatch& batch) const {
  at::Tensor rows;
  const at::Tensor logits = Run(batch, &rows).at(0);
  return logits.reshape({-1, logits.size(-1)}).index_select(0, rows);
}

std::pair<at::Tensor, at::Tensor> ScriptEngine::QaLogits(const TokenBatch& batch) const {
  at::Tensor rows;
  const auto outs = Run(batch, &rows);
  if (outs.size() < 2) throw Error(ErrorCode::kUnsupportedModel, "the QA module must return (start, end)");
  return {outs[0].reshape(-1).index_select(0, rows), outs[1].reshape(-1).index_select(0, rows)};
}

at::Tensor ScriptEngine::Hidden(const TokenBatch& batch, const std::vector<int64_t>* rows) const {
  if (config_.head != HeadKind::kBase) {
    throw Error(ErrorCode::kUnsupportedModel,
                std::string("embeddings from a TorchScript archive that runs its own forward needs "
                            "a ") + HeadKindName(HeadKind::kBase) + " checkpoint; this one is " +
                    HeadKindName(config_.head));
  }
  at::Tensor padded_rows;
  at::Tensor hidden = Run(batch, &padded_rows).at(0).reshape({-1, config_.dim}).index_select(0, padded_rows);
  if (rows != nullptr) hidden = hidden.index_select(0, at::tensor(*rows, at::kLong).to(device_));
  return hidden;
}

at::Tensor ScriptEngine::MaskLogits(const TokenBatch& batch, const std::vector<int64_t>& rows) const {
  at::Tensor padded_rows;
  const at::Tensor all = Run(batch, &padded_rows).at(0);
  const at::Tensor picked = padded_rows.index_select(0, at::tensor(rows, at::kLong).to(device_));
  return all.reshape({-1, all.size(-1)}).index_select(0, picked);
}

}  // namespace dbn
