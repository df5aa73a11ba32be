// The threads that make appended bytes durable. An append under fsync=always returns as soon
// as its bytes are written; the log then hands itself to a LogSyncer, whose threads run the
// fdatasync and complete the durability tickets it covers (durability_ticket.h). No appending
// thread waits for a disk flush, and while one fdatasync runs every append that arrives joins
// the next one (group commit).
//
// One job per log at a time (the log keeps at most one queued or running), so a few threads
// serve any number of logs: logs on the same disk sync in parallel, as the kernel's journal
// commits them together.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sluice::storage {

class LogSyncer {
 public:
  static constexpr size_t kDefaultThreads = 4;

  // Threads start on the first submit, so a process that never syncs never has them.
  // kManual starts none: jobs wait for run_queued(), so a test decides when a sync happens.
  static constexpr size_t kManual = 0;
  explicit LogSyncer(size_t threads = kDefaultThreads);
  ~LogSyncer();  // runs the jobs already submitted, then joins
  LogSyncer(const LogSyncer&) = delete;
  LogSyncer& operator=(const LogSyncer&) = delete;

  // The process-wide syncer that logs use unless they are given another.
  static LogSyncer& shared();

  void submit(std::function<void()> job);

  // Runs queued jobs on this thread until none is left (jobs may queue more); returns how
  // many ran. For a kManual syncer.
  size_t run_queued();

 private:
  void run();

  const size_t thread_count_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                   // GUARDED_BY(mu_)
  size_t idle_ = 0;                         // GUARDED_BY(mu_): threads waiting for a job
  std::vector<std::thread> threads_;        // GUARDED_BY(mu_)
};

}  // namespace sluice::storage
