// Module entry. Context-aware: all state lives in per-environment AddonData, so the addon
// loads in several worker_threads at once.
#include <napi.h>

#include "addon/addon_data.h"
#include "addon/engine_loader.h"
#include "addon/model_wrap.h"
#include "addon/tokenizer_wrap.h"
#include "common/error.h"

namespace dbn::addon {

// Environment teardown (a worker ending, or the main environment on a normal exit): every
// session's owner thread is stopped and joined here, while the settle function still exists;
// without this, a load or forward finishing later would call into freed N-API state.
static void TeardownEnv(void* arg) {
  auto* data = static_cast<AddonData*>(arg);
  auto sessions = std::move(data->sessions);
  for (auto& weak : sessions) {
    if (std::shared_ptr<Session> s = weak.lock()) s->Teardown();
  }
}

// abandonWork(): void. Sync. Stops this environment's owner threads now: queued jobs are
// dropped, a running one is waited for, nothing settles after. For process.on('exit') on the
// main thread: process.exit() runs no environment cleanup hooks there, and exit() then destroys
// libtorch's statics under a running forward.
Napi::Value AbandonWork(const Napi::CallbackInfo& info) {
  TeardownEnv(AddonData::Of(info.Env()));
  return info.Env().Undefined();
}

AddonData::AddonData(Napi::Env env) : settler(env) {
  napi_add_env_cleanup_hook(env, TeardownEnv, this);
}

void AddonData::Track(const std::shared_ptr<Session>& session) {
  // Pruned here so a long-lived environment that loads many models keeps a short list.
  std::vector<std::weak_ptr<Session>> live;
  live.reserve(sessions.size() + 1);
  for (auto& weak : sessions) {
    if (!weak.expired()) live.push_back(std::move(weak));
  }
  live.push_back(session);
  sessions = std::move(live);
}

// externalMemory(): number. Sync. V8's count of external memory (what models report through
// napi_adjust_external_memory), for tests and diagnostics.
Napi::Value ExternalMemory(const Napi::CallbackInfo& info) {
  int64_t total = 0;
  napi_adjust_external_memory(info.Env(), 0, &total);
  return Napi::Number::New(info.Env(), static_cast<double>(total));
}

// runtimeInfo(): object. Sync, on the JS thread: loads the engine library if no model did yet
// (engine_loader.h; tens to hundreds of milliseconds, once). What the engine runs on (libtorch,
// CUDA, BLAS, oneDNN) and where the addon, the engine and libtorch were found, for
// `distilbert-native doctor`. Never throws for a missing GPU (0 devices) or a missing libtorch:
// then engine.loaded is false, engine.error the DBN_NATIVE_UNAVAILABLE message, and the
// libtorch fields are empty.
Napi::Value RuntimeInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const EngineStatus& st = LoadEngine();
  DbnRuntimeInfo r{};
  std::string failure;
  if (st.api != nullptr) {
    DbnError error{};
    if (st.api->runtime_info(&r, &error) != 0) {
      failure = error.message != nullptr ? error.message : "runtime_info failed";
      st.api->free_error(&error);
      r = DbnRuntimeInfo{};
    }
  }
  auto str = [](const char* s) { return std::string(s != nullptr ? s : ""); };
  auto out = Napi::Object::New(env);
  out.Set("libtorchVersion", str(r.libtorch_version));
  out.Set("cudaCompiled", r.cuda_compiled != 0);
  out.Set("cudaVersion", str(r.cuda_version));
  out.Set("cudaDeviceCount", r.cuda_device_count);
  out.Set("onednnLinear", r.onednn_linear != 0);
  out.Set("mkldnn", r.mkldnn != 0);
  out.Set("blas", str(r.blas));
  out.Set("torchConfig", str(r.torch_config));
  out.Set("addonPath", AddonPath());
  auto engine = Napi::Object::New(env);
  engine.Set("loaded", st.api != nullptr);
  engine.Set("path", st.engine_path);
  engine.Set("flavour", st.api != nullptr ? str(st.api->flavour) : std::string());
  engine.Set("libtorchSource", st.libtorch_source);
  engine.Set("libtorchDir", st.libtorch_dir);
  engine.Set("libtorchVersion", st.libtorch_version);
  auto searched = Napi::Array::New(env, st.searched.size());
  for (size_t i = 0; i < st.searched.size(); ++i) searched.Set(static_cast<uint32_t>(i), st.searched[i]);
  engine.Set("searched", searched);
  engine.Set("error", failure.empty() ? st.error : failure);
  out.Set("engine", engine);
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
  exports.Set("externalMemory", Napi::Function::New<ExternalMemory>(env, "externalMemory"));
  exports.Set("abandonWork", Napi::Function::New<AbandonWork>(env, "abandonWork"));
  exports.Set("runtimeInfo", Napi::Function::New<RuntimeInfo>(env, "runtimeInfo"));
  return exports;
}

}  // namespace dbn::addon

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return dbn::addon::Init(env, exports);
}

NODE_API_MODULE(distilbert_native, InitModule)
