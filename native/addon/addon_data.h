// Per-environment state (main thread and each worker_thread get their own).
#pragma once

#include <napi.h>

#include "addon/async_job.h"

namespace dbn::addon {

struct AddonData {
  explicit AddonData(Napi::Env env) : settler(env) {}
  Settler settler;
  Napi::FunctionReference model_ctor;
  Napi::FunctionReference tokenizer_ctor;

  static AddonData* Of(Napi::Env env) { return env.GetInstanceData<AddonData>(); }
};

}  // namespace dbn::addon
