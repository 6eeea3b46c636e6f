#pragma once

#include <napi.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "addon/async_job.h"
#include "addon/engine_model.h"
#include "core/owner_thread.h"
#include "tokenizer/tokenizer.h"

namespace dbn::addon {

// Everything one loaded model owns. Member order matters (destruction runs bottom-up): the
// owner thread is joined first, running what is queued, so no job can outlive the model, the
// tokenizer or the settle handle it uses.
struct Session {
  Session(SettleFn fn, int threads) : settle(fn), thread(threads) {}
  std::unique_ptr<EngineModel> model;  // after load, touched only on `thread`
  std::shared_ptr<const Tokenizer> tokenizer;
  SettleHandle settle;
  // Jobs that finished after the environment began its teardown: kept here by the owner thread
  // and destroyed by the teardown hook on the JS thread once the thread is joined (a LoadJob
  // holds the session, which must never be destroyed on its own thread).
  std::vector<std::unique_ptr<AsyncJob>> orphans;
  OwnerThread thread;

  // Owner thread: report a finished job, unless the environment is going away.
  void Finish(std::unique_ptr<AsyncJob> job) {
    if (thread.abandoned()) {
      orphans.push_back(std::move(job));
    } else {
      settle.Deliver(std::move(job));
    }
  }
  // JS thread, environment teardown: stop the thread and let go of everything JS-side.
  void Teardown() {
    thread.Abandon();
    settle.Detach();
    auto jobs = std::move(orphans);
    jobs.clear();
  }
};

// JS class `Model` (not constructible from JS: made by loadModel()).
class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  using HeadRun = std::function<std::vector<std::vector<float>>(const EngineModel&, const TokenBatch&)>;

  static Napi::Function Define(Napi::Env env);
  explicit ModelWrap(const Napi::CallbackInfo& info);
  ~ModelWrap() override;

  // loadModel(path: string, options: {device?, dtype?, format?, threads?}): Promise<Model>.
  // Async: creates the model's owner thread and loads config, weights and tokenizer there; the
  // first load in the process also finds libtorch and dlopen()s the engine library there
  // (engine_loader.h). Rejects DBN_NATIVE_UNAVAILABLE (no usable libtorch: the message lists
  // what was searched and the remedies), DBN_MODEL_LOAD_FAILED, DBN_UNSUPPORTED_MODEL,
  // DBN_INVALID_ARGUMENT, DBN_CUDA_UNAVAILABLE.
  static Napi::Value Load(const Napi::CallbackInfo& info);

 private:
  enum class State { kReady, kDisposed };

  // fillMask(ids: Int32Array, lengths: Int32Array, topK: number, targets: Int32Array | null):
  //          Promise<{k, rows, positions, tokenIds, scores}>.
  // Async on the owner thread. ids are the sequences back to back, lengths their sizes; the
  // masks are the model's tokenizer's mask token.
  // Rejects DBN_NO_MASK, DBN_INPUT_TOO_LONG, DBN_INVALID_ARGUMENT, DBN_DISPOSED.
  Napi::Value FillMask(const Napi::CallbackInfo& info);
  // classify(ids: Int32Array, lengths: Int32Array): Promise<Float32Array> — sequence-
  // classification logits [batch, labels]. Async on the owner thread. Rejects
  // DBN_UNSUPPORTED_MODEL (other head), DBN_INPUT_TOO_LONG, DBN_INVALID_ARGUMENT, DBN_DISPOSED.
  Napi::Value Classify(const Napi::CallbackInfo& info);
  // tokenClassify(ids, lengths): Promise<Float32Array> — packed [tokens, labels]. Async; as above.
  Napi::Value TokenClassify(const Napi::CallbackInfo& info);
  // answerQuestion(ids, lengths): Promise<{start: Float32Array, end: Float32Array}> — packed
  // [tokens] each. Async; as above.
  Napi::Value AnswerQuestion(const Napi::CallbackInfo& info);
  // embed(ids, lengths, pooling: "mean" | "cls", normalize: boolean): Promise<Float32Array> —
  // [batch, dim], any head. Async; throws DBN_INVALID_ARGUMENT synchronously for a bad pooling.
  Napi::Value Embed(const Napi::CallbackInfo& info);
  // hiddenStates(ids: Int32Array, lengths: Int32Array): Promise<Float32Array> — the last
  // hidden state of every token, packed [sum(lengths), dim] without padding rows, any head.
  // Async on the owner thread. Rejects DBN_INPUT_TOO_LONG, DBN_INVALID_ARGUMENT, DBN_DISPOSED,
  // and DBN_UNSUPPORTED_MODEL for a TorchScript archive running its own forward with a head
  // (its forward returns the head's outputs only; embed rejects the same).
  Napi::Value HiddenStates(const Napi::CallbackInfo& info);
  // dispose(): Promise<void>. Async: runs after the jobs already queued, then frees the
  // weights. Idempotent; later calls to other methods reject DBN_DISPOSED.
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  // info: {config, device, dtype, engine, format, weightsPath, parameterBytes, threads, state}. Getter.
  Napi::Value Info(const Napi::CallbackInfo& info);
  // tokenizer: Tokenizer. Getter (same object every time).
  Napi::Value GetTokenizer(const Napi::CallbackInfo& info);

  // Copies (ids, lengths) from info[0..1] and runs `run` on the owner thread; the result is a
  // Float32Array, or an object of Float32Arrays keyed by `names`.
  Napi::Value RunHead(const Napi::CallbackInfo& info, std::vector<std::string> names, HeadRun run);
  Napi::Promise Dispatch(Napi::Env env, std::unique_ptr<AsyncJob> job);
  void ReleaseExternalMemory(Napi::Env env);

  std::shared_ptr<Session> session_;
  State state_ = State::kReady;
  std::string device_, dtype_, engine_, format_, weights_path_;
  int64_t parameter_bytes_ = 0;
  int64_t reported_bytes_ = 0;
  Napi::ObjectReference tokenizer_;
  Napi::ObjectReference config_js_;  // frozen info.config, built once
};

}  // namespace dbn::addon
