// The engine library's side of engine/dbn_engine.h: the C table over dbn::DistilBert. Every
// entry point catches everything (no exception may cross a C ABI, least of all into an addon
// built with another compiler) and translates it at the core boundary (TranslateException).
#include "engine/dbn_engine.h"

#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <torch/version.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "core/distilbert.h"
#include "core/runtime_info.h"
#include "core/translate_error.h"

#ifndef DBN_ENGINE_FLAVOUR
#define DBN_ENGINE_FLAVOUR "unknown"
#endif

struct DbnModel {
  std::unique_ptr<dbn::DistilBert> model;
  // Backing storage for DbnModelInfo's pointers.
  std::string architecture, device, dtype, format, weights_path, model_dir;
  std::vector<std::string> labels;
  std::vector<const char*> label_ptrs;
};

namespace {

char* CopyString(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p != nullptr) std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

// Runs `body`, turning whatever it throws into *error. 0 on success.
template <typename F>
int Guard(DbnError* error, F&& body) {
  try {
    c10::InferenceMode inference_mode;
    body();
    return 0;
  } catch (...) {
    const dbn::Error e = dbn::TranslateException(std::current_exception());
    if (error != nullptr) {
      error->code = dbn::ErrorCodeName(e.code());
      error->message = CopyString(e.what());
    }
    return 1;
  }
}

template <typename T, typename Out>
void Take(const std::vector<T>& v, Out* out) {
  out->size = static_cast<int64_t>(v.size());
  out->data = static_cast<decltype(out->data)>(std::malloc(std::max<size_t>(1, v.size() * sizeof(T))));
  if (out->data == nullptr) throw std::bad_alloc();
  if (!v.empty()) std::memcpy(out->data, v.data(), v.size() * sizeof(T));
}

dbn::TokenBatch BatchOf(const DbnBatch* b) {
  if (b == nullptr || b->n_ids < 0 || b->n_lengths < 0 || (b->n_ids > 0 && b->ids == nullptr) ||
      (b->n_lengths > 0 && b->lengths == nullptr)) {
    throw dbn::Error(dbn::ErrorCode::kInvalidArgument, "engine: malformed batch");
  }
  dbn::TokenBatch batch;
  batch.ids.assign(b->ids, b->ids + b->n_ids);
  batch.lengths.assign(b->lengths, b->lengths + b->n_lengths);
  return batch;
}

void Free(void* p) { std::free(p); }

void FreeError(DbnError* error) {
  if (error == nullptr) return;
  std::free(error->message);
  error->message = nullptr;
  error->code = nullptr;
}

void SetThreadCount(int32_t n) {
  if (n > 0) at::set_num_threads(n);
}

int RuntimeInfoOf(DbnRuntimeInfo* out, DbnError* error) {
  return Guard(error, [&] {
    // Computed once: at::show_config() builds a long string, and the pointers handed out must
    // stay valid for the process.
    static const dbn::RuntimeInfo* info = new dbn::RuntimeInfo(dbn::GetRuntimeInfo());
    out->libtorch_version = info->libtorch_version.c_str();
    out->cuda_compiled = info->cuda_compiled;
    out->cuda_version = info->cuda_version.c_str();
    out->cuda_device_count = info->cuda_device_count;
    out->onednn_linear = info->onednn_linear;
    out->mkldnn = info->mkldnn;
    out->blas = info->blas.c_str();
    out->torch_config = info->torch_config.c_str();
  });
}

int Load(const char* path, const DbnLoadOptions* options, DbnModel** out, DbnError* error) {
  return Guard(error, [&] {
    if (path == nullptr || out == nullptr) throw dbn::Error(dbn::ErrorCode::kInvalidArgument, "engine: no path");
    dbn::LoadOptions o;
    if (options != nullptr) {
      if (options->device != nullptr) o.device = options->device;
      if (options->dtype != nullptr) o.dtype = options->dtype;
      if (options->format != nullptr) o.format = options->format;
    }
    auto m = std::make_unique<DbnModel>();
    m->model = dbn::DistilBert::Load(path, o);
    const dbn::DistilBert& d = *m->model;
    m->architecture = dbn::HeadKindName(d.config().head);
    m->device = d.device();
    m->dtype = d.dtype();
    m->format = d.format();
    m->weights_path = d.weights_path();
    m->model_dir = d.model_dir();
    m->labels = d.config().id2label;
    for (const auto& l : m->labels) m->label_ptrs.push_back(l.c_str());
    *out = m.release();
  });
}

void ModelFree(DbnModel* model) {
  // Freeing tensors does not throw in practice; if it did, leaking beats terminating.
  try {
    delete model;
  } catch (...) {
  }
}

void ModelInfo(const DbnModel* m, DbnModelInfo* out) {
  const dbn::ModelConfig& c = m->model->config();
  out->architecture = m->architecture.c_str();
  out->vocab_size = c.vocab_size;
  out->dim = c.dim;
  out->n_layers = c.n_layers;
  out->n_heads = c.n_heads;
  out->hidden_dim = c.hidden_dim;
  out->max_position_embeddings = c.max_position_embeddings;
  out->n_labels = static_cast<int64_t>(m->label_ptrs.size());
  out->labels = m->label_ptrs.data();
  out->device = m->device.c_str();
  out->dtype = m->dtype.c_str();
  out->format = m->format.c_str();
  out->weights_path = m->weights_path.c_str();
  out->model_dir = m->model_dir.c_str();
  out->runs_script = m->model->runs_script();
  out->parameter_bytes = m->model->parameter_bytes();
}

int FillMask(const DbnModel* m, const DbnBatch* b, int32_t mask_id, int32_t top_k,
             const int32_t* targets, int64_t n_targets, DbnFillMask* out, DbnError* error) {
  std::memset(out, 0, sizeof(*out));
  return Guard(error, [&] {
    std::vector<int32_t> t;
    if (n_targets > 0 && targets != nullptr) t.assign(targets, targets + n_targets);
    dbn::FillMaskResult r = m->model->FillMask(BatchOf(b), mask_id, top_k, t);
    out->k = r.k;
    Take(r.rows, &out->rows);
    Take(r.positions, &out->positions);
    Take(r.token_ids, &out->token_ids);
    Take(r.scores, &out->scores);
  });
}

int Run(const DbnModel* m, int32_t what, const DbnBatch* b, uint32_t flags, DbnFloats outs[2],
        DbnError* error) {
  outs[0] = DbnFloats{nullptr, 0};
  outs[1] = DbnFloats{nullptr, 0};
  return Guard(error, [&] {
    const dbn::DistilBert& d = *m->model;
    const dbn::TokenBatch batch = BatchOf(b);
    switch (what) {
      case DBN_RUN_SEQUENCE_LOGITS: Take(d.SequenceLogits(batch), &outs[0]); break;
      case DBN_RUN_TOKEN_LOGITS: Take(d.TokenLogits(batch), &outs[0]); break;
      case DBN_RUN_QA_LOGITS: {
        auto [start, end] = d.QaLogits(batch);
        Take(start, &outs[0]);
        Take(end, &outs[1]);
        break;
      }
      case DBN_RUN_EMBED_MEAN:
      case DBN_RUN_EMBED_CLS:
        Take(d.Embed(batch, what == DBN_RUN_EMBED_CLS ? dbn::Pooling::kCls : dbn::Pooling::kMean,
                     (flags & 1u) != 0),
             &outs[0]);
        break;
      case DBN_RUN_HIDDEN_STATES: Take(d.HiddenStates(batch), &outs[0]); break;
      default:
        throw dbn::Error(dbn::ErrorCode::kInternal, "engine: unknown run " + std::to_string(what));
    }
  });
}

const DbnEngineApi kApi = {
    DBN_ENGINE_ABI_VERSION,
    DBN_ENGINE_FLAVOUR,
    TORCH_VERSION,
    &Free,
    &FreeError,
    &SetThreadCount,
    &RuntimeInfoOf,
    &Load,
    &ModelFree,
    &ModelInfo,
    &FillMask,
    &Run,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const DbnEngineApi* dbn_engine_api(uint32_t abi_version) {
  return abi_version == DBN_ENGINE_ABI_VERSION ? &kApi : nullptr;
}
