#include "addon/async_job.h"


namespace dbn::addon {

AsyncJob::AsyncJob(Napi::Env env, Napi::Object owner, ErrorStack stack)
    : deferred_(Napi::Promise::Deferred::New(env)), env_(env) {
  if (stack == ErrorStack::kCaller) {
    Napi::Error error = Napi::Error::New(env, "");
    NAPI_THROW_IF_FAILED_VOID(env, napi_create_reference(env, error.Value(), 1, &error_));
  }
  if (!owner.IsEmpty()) {
    NAPI_THROW_IF_FAILED_VOID(env, napi_create_reference(env, owner, 1, &owner_));
  }
}

void AsyncJob::Run() {
  try {
    Execute();
  } catch (...) {
    Error e = TranslateStdException(std::current_exception());
    failed_ = true;
    code_ = e.code();
    message_ = e.what();
  }
}

void AsyncJob::FailNow(Napi::Env env, const Error& error) {
  failed_ = true;
  code_ = error.code();
  message_ = error.what();
  Settle(env);
}

void AsyncJob::Settle(Napi::Env env) {
  try {
    Napi::HandleScope scope(env);
    napi_value error_value = nullptr;
    if (error_ != nullptr) napi_get_reference_value(env, error_, &error_value);
    if (!failed_) {
      try {
        deferred_.Resolve(Resolve(env));
        return Release(env);
      } catch (const std::exception& e) {
        failed_ = true;
        code_ = ErrorCode::kInternal;
        message_ = std::string("internal error: ") + e.what();
      }
    }
    Napi::Object error = error_value != nullptr ? Napi::Object(env, error_value)
                                                : Napi::Error::New(env, "").Value();
    error.Set("message", message_);
    error.Set("code", ErrorCodeName(code_));
    deferred_.Reject(error);
  } catch (const Napi::Error&) {
    // JS cannot run any more (a worker being terminated): nobody is left to settle for.
  }
  Release(env);
}

void AsyncJob::Release(napi_env env) {
  if (error_ != nullptr) napi_delete_reference(env, error_);
  if (owner_ != nullptr) napi_delete_reference(env, owner_);
  error_ = owner_ = nullptr;
}

void CallJsSettle(Napi::Env env, Napi::Function, Settler* settler, AsyncJob* job) {
  if (env == nullptr) return;  // environment is going away: leak the job (see AsyncJob)
  std::unique_ptr<AsyncJob> owned(job);
  owned->Settle(env);
  settler->Done(env);
}

Settler::Settler(Napi::Env env) {
  fn_ = SettleFn::New(env, "distilbert-native.settle", /*maxQueueSize=*/0,
                      /*initialThreadCount=*/1, this);
  fn_.Unref(env);
}

void Settler::Expect(Napi::Env env) {
  if (pending_++ == 0) fn_.Ref(env);
}

void Settler::Done(Napi::Env env) {
  // Raw call: this runs from the thread-safe function's callback, where a throwing wrapper
  // (during a worker's teardown) would terminate the process.
  if (--pending_ == 0) napi_unref_threadsafe_function(env, fn_);
}

SettleHandle::SettleHandle(SettleFn fn) : fn_(fn) { fn_.Acquire(); }

SettleHandle::~SettleHandle() { Detach(); }

void SettleHandle::Detach() {
  if (held_) fn_.Release();
  held_ = false;
}

void SettleHandle::Deliver(std::unique_ptr<AsyncJob> job) {
  // On napi_closing the environment is gone and the job is leaked on purpose (see AsyncJob).
  fn_.BlockingCall(job.release());
}

}  // namespace dbn::addon
