// Per-environment state (main thread and each worker_thread get their own).
#pragma once

#include <napi.h>

#include <memory>
#include <vector>

#include "addon/async_job.h"

namespace dbn::addon {

struct Session;

struct AddonData {
  // Registers the teardown hook after the settle function was made: hooks run last-in
  // first-out, so ours runs while that function still exists.
  explicit AddonData(Napi::Env env);
  Settler settler;
  // Every session this environment made that may still be alive (JS thread only).
  std::vector<std::weak_ptr<Session>> sessions;
  void Track(const std::shared_ptr<Session>& session);
  Napi::FunctionReference model_ctor;
  Napi::FunctionReference tokenizer_ctor;

  static AddonData* Of(Napi::Env env) { return env.GetInstanceData<AddonData>(); }
};

}  // namespace dbn::addon
