#include "addon/model_wrap.h"

#include "addon/addon_data.h"
#include "addon/convert.h"
#include "addon/tokenizer_wrap.h"
#include "core/tokenizer_fits.h"

namespace dbn::addon {
namespace {

class LoadJob : public AsyncJob {
 public:
  LoadJob(Napi::Env env, std::shared_ptr<Session> session, std::string path, LoadOptions options)
      : AsyncJob(env, Napi::Object()), session_(std::move(session)), path_(std::move(path)),
        options_(std::move(options)) {}
  // The session's first job, so the thread count set here holds for every later job.
  void Execute() override {
    session_->model = EngineModel::Load(path_, options_, session_->thread.num_threads());
    session_->tokenizer = Tokenizer::FromDirectory(session_->model->model_dir());
    CheckTokenizerFits(session_->model->config(), *session_->tokenizer, session_->model->model_dir());
  }
  Napi::Value Resolve(Napi::Env env) override {
    auto holder = Napi::External<std::shared_ptr<Session>>::New(
        env, new std::shared_ptr<Session>(session_),
        [](Napi::Env, std::shared_ptr<Session>* p) { delete p; });
    return AddonData::Of(env)->model_ctor.New({holder});
  }

 private:
  std::shared_ptr<Session> session_;
  std::string path_;
  LoadOptions options_;
};

class FillMaskJob : public AsyncJob {
 public:
  FillMaskJob(Napi::Env env, Napi::Object owner, Session* session, TokenBatch batch,
              int32_t top_k, std::vector<int32_t> targets)
      // Called by the batcher only, which keeps each caller's stack (async_job.h).
      : AsyncJob(env, owner, ErrorStack::kAtFailure), session_(session), batch_(std::move(batch)),
        top_k_(top_k), targets_(std::move(targets)) {}
  void Execute() override {
    if (!session_->model) throw Error(ErrorCode::kDisposed, "the model was disposed");
    // The mask id is the model's own tokenizer's: it never needs to cross to JS and back.
    result_ = session_->model->FillMask(batch_, session_->tokenizer->mask_id(), top_k_, targets_);
  }
  Napi::Value Resolve(Napi::Env env) override {
    auto o = Napi::Object::New(env);
    o.Set("k", result_.k);
    o.Set("rows", ToInt32Array(env, result_.rows));
    o.Set("positions", ToInt32Array(env, result_.positions));
    o.Set("tokenIds", ToInt32Array(env, result_.token_ids));
    o.Set("scores", ToFloat32Array(env, result_.scores));
    return o;
  }

 private:
  Session* session_;  // outlives the job: its destructor drains the owner thread's queue
  TokenBatch batch_;
  int32_t top_k_;
  std::vector<int32_t> targets_;
  FillMaskResult result_;
};

// A head whose result is one or more float arrays: returns a Float32Array, or an object of
// them when several names are given.
// Called by the batcher only, as FillMaskJob.
class FloatsJob : public AsyncJob {
 public:
  using Run = ModelWrap::HeadRun;
  FloatsJob(Napi::Env env, Napi::Object owner, Session* session, TokenBatch batch,
            std::vector<std::string> names, Run run)
      : AsyncJob(env, owner, ErrorStack::kAtFailure), session_(session), batch_(std::move(batch)),
        names_(std::move(names)), run_(std::move(run)) {}
  void Execute() override {
    if (!session_->model) throw Error(ErrorCode::kDisposed, "the model was disposed");
    outputs_ = run_(*session_->model, batch_);
  }
  Napi::Value Resolve(Napi::Env env) override {
    if (names_.empty()) return ToFloat32Array(env, outputs_.at(0));
    auto o = Napi::Object::New(env);
    for (size_t i = 0; i < names_.size(); ++i) o.Set(names_[i], ToFloat32Array(env, outputs_.at(i)));
    return o;
  }

 private:
  Session* session_;  // outlives the job (see FillMaskJob)
  TokenBatch batch_;
  std::vector<std::string> names_;
  Run run_;
  std::vector<std::vector<float>> outputs_;
};

class DisposeJob : public AsyncJob {
 public:
  DisposeJob(Napi::Env env, Napi::Object owner, Session* session, TokenizerWrap* tokenizer)
      : AsyncJob(env, owner), session_(session), tokenizer_(tokenizer) {}
  // Frees the weights and the session's hold on the tokenizer (the JS Tokenizer keeps its own
  // while JS can reach it).
  void Execute() override {
    session_->model.reset();
    session_->tokenizer.reset();
  }
  // The owner thread (and, with it, the per-thread OpenMP pool libtorch made for it) ends now,
  // not when GC finalizes the Model: Dispose() stopped the queue, this was its last job.
  // The model's JS Tokenizer lets go of the tables too (it throws DBN_DISPOSED from now on):
  // here, after every job queued before dispose() has settled and its results were decoded.
  Napi::Value Resolve(Napi::Env env) override {
    session_->thread.Join();
    tokenizer_->Release(env);
    return env.Undefined();
  }

 private:
  Session* session_;
  TokenizerWrap* tokenizer_;  // kept alive by the Model, which this job's owner reference holds
};

}  // namespace

Napi::Function ModelWrap::Define(Napi::Env env) {
  return DefineClass(env, "Model",
                     {InstanceMethod<&ModelWrap::FillMask>("fillMask"),
                      InstanceMethod<&ModelWrap::Classify>("classify"),
                      InstanceMethod<&ModelWrap::TokenClassify>("tokenClassify"),
                      InstanceMethod<&ModelWrap::AnswerQuestion>("answerQuestion"),
                      InstanceMethod<&ModelWrap::Embed>("embed"),
                      InstanceMethod<&ModelWrap::HiddenStates>("hiddenStates"),
                      InstanceMethod<&ModelWrap::Dispose>("dispose"),
                      InstanceAccessor<&ModelWrap::Info>("info"),
                      InstanceAccessor<&ModelWrap::GetTokenizer>("tokenizer")});
}

ModelWrap::ModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsExternal()) {
    ThrowInvalid(env, "Model cannot be constructed directly; use loadModel(path)");
  }
  session_ = *info[0].As<Napi::External<std::shared_ptr<Session>>>().Data();
  // The owner thread finished the load job before this runs, so reading the model is safe.
  const EngineModel& m = *session_->model;
  device_ = m.device();
  dtype_ = m.dtype();
  engine_ = m.runs_script() ? "torchscript-forward" : "native";
  format_ = m.format();
  weights_path_ = m.weights_path();
  parameter_bytes_ = m.parameter_bytes();
  tokenizer_ = Napi::Persistent(TokenizerWrap::NewInstance(env, session_->tokenizer));
  // The config never changes and the pipelines read it on every call: build it once, frozen.
  Napi::Object config_js = ConfigToJs(env, m.config());
  napi_object_freeze(env, config_js);
  config_js_ = Napi::Persistent(config_js);
  // Tell V8 how much native memory this small JS object keeps alive, so GC pressure is right.
  // Mapped float32 weights count too: they become resident as soon as inference touches them.
  reported_bytes_ = parameter_bytes_;
  Napi::MemoryManagement::AdjustExternalMemory(env, reported_bytes_);
}

ModelWrap::~ModelWrap() {
  // Runs on the JS thread (finalizer); no job is pending, since each pending job holds a
  // reference to this object. Destroying the session joins an idle owner thread.
  ReleaseExternalMemory(Env());
}

void ModelWrap::ReleaseExternalMemory(Napi::Env env) {
  // The raw call: this also runs in finalizers during environment teardown, where a throwing
  // wrapper would terminate the process.
  int64_t ignored = 0;
  if (reported_bytes_ != 0) napi_adjust_external_memory(env, -reported_bytes_, &ignored);
  reported_bytes_ = 0;
}

Napi::Value ModelWrap::Load(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = StringArg(info, 0, "path");
  LoadOptions options = LoadOptionsFrom(env, info.Length() > 1 ? info[1] : env.Undefined());
  const int threads = ThreadsFrom(env, info.Length() > 1 ? info[1] : env.Undefined());
  AddonData* data = AddonData::Of(env);
  auto session = std::make_shared<Session>(data->settler.fn(), threads);
  data->Track(session);
  Session* raw_session = session.get();
  auto job = std::make_unique<LoadJob>(env, std::move(session), std::move(path), std::move(options));
  Napi::Promise promise = job->promise();
  data->settler.Expect(env);
  AsyncJob* raw = job.release();
  raw_session->thread.Post([raw, raw_session] {
    std::unique_ptr<AsyncJob> owned(raw);
    owned->Run();
    raw_session->Finish(std::move(owned));
  });
  return promise;
}

Napi::Promise ModelWrap::Dispatch(Napi::Env env, std::unique_ptr<AsyncJob> job) {
  Napi::Promise promise = job->promise();
  AddonData::Of(env)->settler.Expect(env);
  AsyncJob* raw = job.release();
  Session* session = session_.get();
  session->thread.Post([raw, session] {
    std::unique_ptr<AsyncJob> owned(raw);
    owned->Run();
    session->Finish(std::move(owned));
  });
  return promise;
}

Napi::Value ModelWrap::FillMask(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TokenBatch batch;
  batch.ids = Int32ArrayArg(info, 0, "ids", false);
  batch.lengths = Int32ArrayArg(info, 1, "lengths", false);
  const int32_t top_k = IntArg(info, 2, "topK");
  std::vector<int32_t> targets = Int32ArrayArg(info, 3, "targets", true);
  auto job = std::make_unique<FillMaskJob>(env, Value(), session_.get(), std::move(batch), top_k,
                                           std::move(targets));
  if (state_ != State::kReady) {
    Napi::Promise promise = job->promise();
    job->FailNow(env, Error(ErrorCode::kDisposed, "the model was disposed; load it again"));
    return promise;
  }
  return Dispatch(env, std::move(job));
}

Napi::Value ModelWrap::RunHead(const Napi::CallbackInfo& info, std::vector<std::string> names,
                               HeadRun run) {
  Napi::Env env = info.Env();
  TokenBatch batch;
  batch.ids = Int32ArrayArg(info, 0, "ids", false);
  batch.lengths = Int32ArrayArg(info, 1, "lengths", false);
  auto job = std::make_unique<FloatsJob>(env, Value(), session_.get(), std::move(batch),
                                         std::move(names), std::move(run));
  if (state_ != State::kReady) {
    Napi::Promise promise = job->promise();
    job->FailNow(env, Error(ErrorCode::kDisposed, "the model was disposed; load it again"));
    return promise;
  }
  return Dispatch(env, std::move(job));
}

Napi::Value ModelWrap::Classify(const Napi::CallbackInfo& info) {
  return RunHead(info, {}, [](const EngineModel& m, const TokenBatch& b) {
    return m.Run(DBN_RUN_SEQUENCE_LOGITS, b);
  });
}

Napi::Value ModelWrap::TokenClassify(const Napi::CallbackInfo& info) {
  return RunHead(info, {}, [](const EngineModel& m, const TokenBatch& b) {
    return m.Run(DBN_RUN_TOKEN_LOGITS, b);
  });
}

Napi::Value ModelWrap::AnswerQuestion(const Napi::CallbackInfo& info) {
  return RunHead(info, {"start", "end"}, [](const EngineModel& m, const TokenBatch& b) {
    return m.Run(DBN_RUN_QA_LOGITS, b);
  });
}

Napi::Value ModelWrap::Embed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string pooling = info.Length() > 2 && info[2].IsString()
                                  ? info[2].As<Napi::String>().Utf8Value() : std::string("mean");
  if (pooling != "mean" && pooling != "cls") {
    ThrowInvalid(env, "Expected \"mean\" or \"cls\" for pooling but received \"" + pooling + "\"");
  }
  const bool normalize = info.Length() > 3 && info[3].ToBoolean();
  const DbnRun run = pooling == "cls" ? DBN_RUN_EMBED_CLS : DBN_RUN_EMBED_MEAN;
  return RunHead(info, {}, [run, normalize](const EngineModel& m, const TokenBatch& b) {
    return m.Run(run, b, normalize ? 1u : 0u);
  });
}

Napi::Value ModelWrap::HiddenStates(const Napi::CallbackInfo& info) {
  return RunHead(info, {}, [](const EngineModel& m, const TokenBatch& b) {
    return m.Run(DBN_RUN_HIDDEN_STATES, b);
  });
}

Napi::Value ModelWrap::Dispose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (state_ == State::kDisposed) {  // idempotent; the owner thread no longer takes jobs
    auto done = Napi::Promise::Deferred::New(env);
    done.Resolve(env.Undefined());
    return done.Promise();
  }
  auto job = std::make_unique<DisposeJob>(env, Value(), session_.get(),
                                          TokenizerWrap::Unwrap(tokenizer_.Value()));
  Napi::Promise promise = Dispatch(env, std::move(job));
  session_->thread.Stop();
  // Weights are freed by the queued job; V8's count can drop now since no new work starts.
  ReleaseExternalMemory(env);
  state_ = State::kDisposed;
  return promise;
}

Napi::Value ModelWrap::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto o = Napi::Object::New(env);
  o.Set("config", config_js_.Value());
  o.Set("device", device_);
  o.Set("dtype", dtype_);
  o.Set("engine", engine_);
  o.Set("format", format_);
  o.Set("weightsPath", weights_path_);
  o.Set("parameterBytes", static_cast<double>(parameter_bytes_));
  o.Set("threads", session_->thread.num_threads());
  o.Set("state", state_ == State::kReady ? "ready" : "disposed");
  return o;
}

Napi::Value ModelWrap::GetTokenizer(const Napi::CallbackInfo& info) { return tokenizer_.Value(); }

}  // namespace dbn::addon
