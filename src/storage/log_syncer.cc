#include "storage/log_syncer.h"

#include <utility>

namespace sluice::storage {

LogSyncer::LogSyncer(size_t threads) : thread_count_(threads) {}

LogSyncer::~LogSyncer() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    threads.swap(threads_);
  }
  cv_.notify_all();
  for (auto& thread : threads) thread.join();
}

LogSyncer& LogSyncer::shared() {
  // Never destroyed: logs closed during static destruction may still submit to it.
  static LogSyncer* syncer = new LogSyncer();
  return *syncer;
}

void LogSyncer::submit(std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    jobs_.push_back(std::move(job));
    // A new thread only when every thread is busy: idle ones take the job.
    if (idle_ < jobs_.size() && threads_.size() < thread_count_) {
      threads_.emplace_back([this] { run(); });
    }
  }
  cv_.notify_one();
}

size_t LogSyncer::run_queued() {
  size_t ran = 0;
  std::unique_lock lock(mu_);
  while (!jobs_.empty()) {
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    ++ran;
    lock.lock();
  }
  return ran;
}

void LogSyncer::run() {
  std::unique_lock lock(mu_);
  while (true) {
    ++idle_;
    cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    --idle_;
    if (jobs_.empty()) return;  // stopping, and nothing left to run
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

}  // namespace sluice::storage
