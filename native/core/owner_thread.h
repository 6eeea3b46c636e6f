// One thread that owns a model: every load and forward runs here, in order. libtorch's
// intra-op thread count is per calling thread, and InferenceMode is a thread-local guard, so
// both belong to this thread rather than to whichever pool thread happens to run a job.
// No libtorch here: the addon (which never links libtorch) owns these threads, and sets the
// thread count through the engine library's set_thread_count on the thread's first job
// (engine/dbn_engine.h); the engine enters InferenceMode in every call.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace dbn {

class OwnerThread {
 public:
  // num_threads: libtorch intra-op threads for jobs on this thread; 0 picks the core count,
  // and more than the core count is capped to it (num_threads() says what was used).
  // on_start (optional) runs on the thread before any job, with num_threads() (the native
  // bench sets libtorch's thread count and InferenceMode there; it must not throw).
  explicit OwnerThread(int num_threads, std::function<void(int)> on_start = nullptr);
  static int MaxThreads();  // the core count, at least 1
  // Runs the jobs already queued, then joins.
  ~OwnerThread();
  OwnerThread(const OwnerThread&) = delete;
  OwnerThread& operator=(const OwnerThread&) = delete;

  // Queues a job; false (job not queued) once Stop() was called. Jobs must not throw.
  bool Post(std::function<void()> job);
  // No new jobs after this; queued ones still run.
  void Stop();
  // No new jobs; the queued ones are dropped unrun (their callables destroyed, so what they
  // own by raw pointer leaks, on purpose: see the addon's teardown), the running one finishes,
  // and the thread is joined. For environment or process teardown. Not from the thread itself.
  void Abandon();
  // After Stop(): waits for the queue to drain and the thread to end. Not from the thread itself.
  void Join();
  // True once Abandon() was called: a job that finishes then must not report back.
  bool abandoned() const { return abandoned_.load(std::memory_order_acquire); }
  int num_threads() const { return num_threads_; }
  // Process exit: abandons every owner thread still alive, so none runs while exit() destroys
  // libtorch's and the C++ runtime's statics. Registered with std::atexit once.
  static void AbandonAll();

 private:
  void Run(const std::function<void(int)>& on_start);

  int num_threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::atomic<bool> abandoned_{false};
  std::thread thread_;
};

}  // namespace dbn
