#include "core/owner_thread.h"

#include <ATen/Parallel.h>
#include <algorithm>
#include <c10/core/InferenceMode.h>

namespace dbn {

int OwnerThread::MaxThreads() {
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

// More intra-op threads than cores only adds contention (256 on 2 cores made a call 8.6 s):
// requests above the core count are capped to it; num_threads() reports what runs.
OwnerThread::OwnerThread(int num_threads)
    : num_threads_(num_threads > 0 ? std::min(num_threads, MaxThreads()) : MaxThreads()),
      thread_([this] { Run(); }) {}

OwnerThread::~OwnerThread() {
  Stop();
  if (thread_.joinable()) thread_.join();
}

bool OwnerThread::Post(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return false;
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

void OwnerThread::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
}

void OwnerThread::Run() {
  at::set_num_threads(num_threads_);
  c10::InferenceMode inference_mode;
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping and drained
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace dbn
