// Module entry. Context-aware: all state lives in per-environment AddonData, so the addon
// loads in several worker_threads at once.
#include <napi.h>

#include <torch/version.h>

#include "addon/addon_data.h"
#include "addon/model_wrap.h"
#include "addon/tokenizer_wrap.h"
#include "common/error.h"
#include "core/runtime_info.h"

namespace dbn::addon {

// externalMemory(): number. Sync. V8's count of external memory (what models report through
// napi_adjust_external_memory), for tests and diagnostics.
Napi::Value ExternalMemory(const Napi::CallbackInfo& info) {
  int64_t total = 0;
  napi_adjust_external_memory(info.Env(), 0, &total);
  return Napi::Number::New(info.Env(), static_cast<double>(total));
}

// runtimeInfo(): object. Sync. What the engine runs on (libtorch, CUDA, BLAS, oneDNN), for
// `distilbert-native doctor`. Never throws for a missing GPU: it reports 0 devices.
Napi::Value RuntimeInfo(const Napi::CallbackInfo& info) {
  const dbn::RuntimeInfo r = dbn::GetRuntimeInfo();
  Napi::Env env = info.Env();
  auto out = Napi::Object::New(env);
  out.Set("libtorchVersion", r.libtorch_version);
  out.Set("cudaCompiled", r.cuda_compiled);
  out.Set("cudaVersion", r.cuda_version);
  out.Set("cudaDeviceCount", r.cuda_device_count);
  out.Set("onednnLinear", r.onednn_linear);
  out.Set("mkldnn", r.mkldnn);
  out.Set("blas", r.blas);
  out.Set("torchConfig", r.torch_config);
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData(env);
  env.SetInstanceData<AddonData>(data);  // deleted by node-addon-api at environment teardown
  Napi::Function model = ModelWrap::Define(env);
  Napi::Function tokenizer = TokenizerWrap::Define(env);
  data->model_ctor = Napi::Persistent(model);
  data->tokenizer_ctor = Napi::Persistent(tokenizer);
  exports.Set("Model", model);
  exports.Set("Tokenizer", tokenizer);
  exports.Set("loadModel", Napi::Function::New<ModelWrap::Load>(env, "loadModel"));
  exports.Set("loadTokenizer", Napi::Function::New<TokenizerWrap::Load>(env, "loadTokenizer"));
  auto codes = Napi::Array::New(env, kErrorCodeCount);
  for (int i = 0; i < kErrorCodeCount; ++i) codes.Set(i, kErrorCodeNames[i]);
  exports.Set("errorCodes", codes);
  exports.Set("libtorchVersion", TORCH_VERSION);
  exports.Set("externalMemory", Napi::Function::New<ExternalMemory>(env, "externalMemory"));
  exports.Set("runtimeInfo", Napi::Function::New<RuntimeInfo>(env, "runtimeInfo"));
  return exports;
}

}  // namespace dbn::addon

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return dbn::addon::Init(env, exports);
}

NODE_API_MODULE(distilbert_native, InitModule)
