// The background thread behind fsync=interval: it calls flush_if_due() on every registered
// log each tick, so that interval logs reach the disk on time without an appender ever
// waiting for a flush (Kafka's log.flush.scheduler.interval.ms, in one thread per broker).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/partition_log.h"

namespace sluice::storage {

class LogFlusher {
 public:
  explicit LogFlusher(std::chrono::milliseconds tick = std::chrono::milliseconds(10));
  ~LogFlusher();  // stops the thread
  LogFlusher(const LogFlusher&) = delete;
  LogFlusher& operator=(const LogFlusher&) = delete;

  // REQUIRES: `log` stays alive until remove(log) returns.
  void add(PartitionLog* log);
  // Once this returns, the flusher no longer touches `log`.
  void remove(PartitionLog* log);

 private:
  void run();

  const std::chrono::milliseconds tick_;
  std::mutex mu_;  // held while flushing, so that remove() waits for a pass in progress
  std::condition_variable cv_;
  std::vector<PartitionLog*> logs_;  // GUARDED_BY(mu_)
  bool stopping_ = false;            // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace sluice::storage
