#include "addon/engine_model.h"

#include <cstring>

#include "addon/engine_loader.h"
#include "common/error.h"
#include "common/read_file.h"

namespace dbn::addon {
namespace {

// Throws the engine's error as a dbn::Error (its code name mapped back onto the closed list).
void ThrowIfFailed(const DbnEngineApi& api, int rc, DbnError* error) {
  if (rc == 0) return;
  ErrorCode code = ErrorCode::kInternal;
  for (int i = 0; i < kErrorCodeCount; ++i) {
    if (error->code != nullptr && std::strcmp(error->code, kErrorCodeNames[i]) == 0) code = static_cast<ErrorCode>(i);
  }
  std::string message = error->message != nullptr ? error->message : "the engine failed without a message";
  api.free_error(error);
  throw Error(code, message);
}

// Copies an engine buffer into a vector and gives the buffer back.
template <typename T, typename Buf>
std::vector<T> Take(const DbnEngineApi& api, Buf& buf) {
  std::vector<T> v;
  if (buf.data != nullptr) v.assign(buf.data, buf.data + buf.size);
  api.free(buf.data);
  buf.data = nullptr;
  return v;
}

DbnBatch View(const TokenBatch& b) {
  return DbnBatch{b.ids.data(), static_cast<int64_t>(b.ids.size()), b.lengths.data(),
                  static_cast<int64_t>(b.lengths.size())};
}

HeadKind HeadKindOf(const char* architecture) {
  for (HeadKind k : {HeadKind::kMaskedLm, HeadKind::kSequenceClassification, HeadKind::kTokenClassification,
                     HeadKind::kQuestionAnswering, HeadKind::kBase}) {
    if (std::strcmp(HeadKindName(k), architecture) == 0) return k;
  }
  throw Error(ErrorCode::kInternal, std::string("the engine reported an unknown architecture: ") + architecture);
}

}  // namespace

std::unique_ptr<EngineModel> EngineModel::Load(const std::string& path, const LoadOptions& options,
                                               int threads) {
  // C strings cross the boundary: a NUL byte would silently shorten the path there.
  CheckPath(path, "the model path");
  for (const std::string* o : {&options.device, &options.dtype, &options.format}) CheckPath(*o, "a load option");
  const DbnEngineApi& api = RequireEngine();
  api.set_thread_count(threads);
  const DbnLoadOptions o{options.device.c_str(), options.dtype.c_str(), options.format.c_str()};
  DbnModel* model = nullptr;
  DbnError error{};
  ThrowIfFailed(api, api.load(path.c_str(), &o, &model, &error), &error);
  return std::unique_ptr<EngineModel>(new EngineModel(&api, model));
}

EngineModel::EngineModel(const DbnEngineApi* api, DbnModel* model) : api_(api), model_(model) {
  DbnModelInfo info{};
  api_->model_info(model_, &info);
  // Everything is copied out once: the addon never reads engine-owned memory later.
  config_.head = HeadKindOf(info.architecture);
  config_.vocab_size = info.vocab_size;
  config_.dim = info.dim;
  config_.n_layers = info.n_layers;
  config_.n_heads = info.n_heads;
  config_.hidden_dim = info.hidden_dim;
  config_.max_position_embeddings = info.max_position_embeddings;
  for (int64_t i = 0; i < info.n_labels; ++i) config_.id2label.emplace_back(info.labels[i]);
  device_ = info.device;
  dtype_ = info.dtype;
  format_ = info.format;
  weights_path_ = info.weights_path;
  model_dir_ = info.model_dir;
  runs_script_ = info.runs_script != 0;
  parameter_bytes_ = info.parameter_bytes;
}

EngineModel::~EngineModel() { api_->model_free(model_); }

FillMaskResult EngineModel::FillMask(const TokenBatch& batch, int32_t mask_id, int32_t top_k,
                                     const std::vector<int32_t>& targets) const {
  const DbnBatch b = View(batch);
  DbnFillMask out{};
  DbnError error{};
  const int rc = api_->fill_mask(model_, &b, mask_id, top_k, targets.data(),
                                 static_cast<int64_t>(targets.size()), &out, &error);
  FillMaskResult r;
  r.k = out.k;
  r.rows = Take<int32_t>(*api_, out.rows);  // freed on failure too (the engine zeroes them)
  r.positions = Take<int32_t>(*api_, out.positions);
  r.token_ids = Take<int32_t>(*api_, out.token_ids);
  r.scores = Take<float>(*api_, out.scores);
  ThrowIfFailed(*api_, rc, &error);
  return r;
}

std::vector<std::vector<float>> EngineModel::Run(DbnRun what, const TokenBatch& batch,
                                                 uint32_t flags) const {
  const DbnBatch b = View(batch);
  DbnFloats outs[2] = {};
  DbnError error{};
  const int rc = api_->run(model_, what, &b, flags, outs, &error);
  std::vector<std::vector<float>> result;
  result.push_back(Take<float>(*api_, outs[0]));
  if (what == DBN_RUN_QA_LOGITS) result.push_back(Take<float>(*api_, outs[1]));
  else api_->free(outs[1].data);
  ThrowIfFailed(*api_, rc, &error);
  return result;
}

}  // namespace dbn::addon
