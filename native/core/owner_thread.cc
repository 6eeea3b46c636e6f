#include "core/owner_thread.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "common/core_count.h"

namespace dbn {
namespace {

// Every live owner thread in the process (all environments), for AbandonAll() at exit.
// Never destroyed: atexit handlers and static destructors run in an order we do not control.
struct Registry {
  std::mutex mu;
  std::set<OwnerThread*> threads;
};

Registry& TheRegistry() {
  static Registry* registry = [] {
    auto* r = new Registry();
    // Runs before the destructors of every library loaded before now. libtorch is loaded
    // later, by the first model (the addon dlopen()s the engine then), so the engine loader
    // registers AbandonAll once more after that (addon/engine_loader.cc).
    std::atexit(&OwnerThread::AbandonAll);
    return r;
  }();
  return *registry;
}

}  // namespace

void OwnerThread::AbandonAll() {
  Registry& r = TheRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  for (OwnerThread* t : r.threads) t->Abandon();
}

int OwnerThread::MaxThreads() {
  return CoreCount();
}

// More intra-op threads than cores only adds contention (256 on 2 cores made a call 8.6 s):
// requests above the core count are capped to it; num_threads() reports what runs.
OwnerThread::OwnerThread(int num_threads, std::function<void(int)> on_start)
    : num_threads_(num_threads > 0 ? std::min(num_threads, MaxThreads()) : MaxThreads()),
      thread_([this, start = std::move(on_start)] { Run(start); }) {
  Registry& r = TheRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.threads.insert(this);
}

OwnerThread::~OwnerThread() {
  {
    Registry& r = TheRegistry();
    std::lock_guard<std::mutex> lock(r.mu);
    r.threads.erase(this);
  }
  Join();
}

void OwnerThread::Join() {
  Stop();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void OwnerThread::Abandon() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    abandoned_.store(true, std::memory_order_release);
    dropped.swap(jobs_);
  }
  cv_.notify_one();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
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

void OwnerThread::Run(const std::function<void(int)>& on_start) {
  if (on_start) on_start(num_threads_);
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
