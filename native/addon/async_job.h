// Promise plumbing between the JS thread and a model's owner thread.
//
// An AsyncJob is created on the JS thread, where it captures the promise, an Error object
// (so a native failure keeps the caller's stack; see ErrorStack for jobs that make it later)
// and a strong reference to the object it works for (so GC cannot finalize that object
// mid-job). Execute() runs on the owner thread on data the job copied in beforehand and never
// touches a JS handle. The Settler hands the finished job back to the JS thread through one
// thread-safe function per environment (so the addon is context-aware: each worker_thread has
// its own), which is ref'ed only while jobs are pending so an idle model never keeps the
// process alive.
#pragma once

#include <napi.h>

#include <memory>
#include <string>

#include "common/error.h"

namespace dbn::addon {

// Stack kCaller: the Error is made at the call, so a failure carries the caller's stack.
// kAtFailure: made only if the job fails, for calls whose JS caller keeps the stack itself
// (lib/model/batcher.ts captures each caller's and gives it to the error it hands out):
// capturing a stack costs 30-90 us on a cache-cold call, once per call is enough.
enum class ErrorStack { kCaller, kAtFailure };

class AsyncJob {
 public:
  AsyncJob(Napi::Env env, Napi::Object owner, ErrorStack stack = ErrorStack::kCaller);
  virtual ~AsyncJob() = default;
  AsyncJob(const AsyncJob&) = delete;
  AsyncJob& operator=(const AsyncJob&) = delete;

  Napi::Promise promise() const { return deferred_.Promise(); }

  // Owner thread. Throw to fail; the exception is translated to a dbn::Error.
  virtual void Execute() = 0;
  // JS thread, after Execute succeeded.
  virtual Napi::Value Resolve(Napi::Env env) = 0;

  void Run();                  // owner thread: Execute() with errors captured
  void Settle(Napi::Env env);  // JS thread: resolve or reject, drop references
  void FailNow(Napi::Env env, const Error& error);  // JS thread: reject without running

 private:
  void Release(napi_env env);

  Napi::Promise::Deferred deferred_;
  // Raw references: released in Settle(). A job abandoned during environment teardown is
  // leaked on purpose, since napi calls are not allowed from the owner thread.
  napi_ref error_ = nullptr;
  napi_ref owner_ = nullptr;
  napi_env env_;
  bool failed_ = false;
  ErrorCode code_ = ErrorCode::kInternal;
  std::string message_;
};

class Settler;
void CallJsSettle(Napi::Env env, Napi::Function, Settler* settler, AsyncJob* job);
using SettleFn = Napi::TypedThreadSafeFunction<Settler, AsyncJob, CallJsSettle>;

class Settler {
 public:
  explicit Settler(Napi::Env env);
  // JS thread: one more job will come back through Deliver().
  void Expect(Napi::Env env);
  // JS thread (from CallJsSettle): a job came back.
  void Done(Napi::Env env);
  SettleFn fn() const { return fn_; }

 private:
  SettleFn fn_;
  int pending_ = 0;
};

// A hold on the environment's settle function for one owner thread: keeps the function valid
// until the thread is done with it, even when the environment is torn down first.
class SettleHandle {
 public:
  explicit SettleHandle(SettleFn fn);
  ~SettleHandle();
  SettleHandle(const SettleHandle&) = delete;
  SettleHandle& operator=(const SettleHandle&) = delete;
  // Owner thread: hand a finished job to the JS thread.
  void Deliver(std::unique_ptr<AsyncJob> job);
  // JS thread, at environment teardown, once the owner thread is joined: gives the hold back
  // while the function still exists (Node frees it right after, whatever holds remain).
  void Detach();

 private:
  SettleFn fn_;
  bool held_ = true;
};

}  // namespace dbn::addon
