#include "core/engine.h"

#include <ATen/ATen.h>

namespace dbn {

std::vector<int64_t> FirstRows(const TokenBatch& batch) {
  std::vector<int64_t> rows;
  int64_t offset = 0;
  for (int32_t len : batch.lengths) {
    rows.push_back(offset);
    offset += len;
  }
  return rows;
}

at::Tensor PaddedRows(const TokenBatch& batch, int64_t max_len, const c10::Device& device) {
  std::vector<int64_t> rows;
  rows.reserve(batch.ids.size());
  for (size_t i = 0; i < batch.lengths.size(); ++i) {
    for (int32_t j = 0; j < batch.lengths[i]; ++j) rows.push_back(static_cast<int64_t>(i) * max_len + j);
  }
  return at::tensor(rows, at::kLong).to(device);
}

}  // namespace dbn
