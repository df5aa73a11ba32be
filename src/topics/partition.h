// One partition of a topic: its log plus the wake-ups that long-polling fetches wait on.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "storage/partition_log.h"

namespace sluice::topics {

class Partition {
 public:
  Partition(std::string topic, int32_t index, std::unique_ptr<storage::PartitionLog> log)
      : topic_(std::move(topic)), index_(index), log_(std::move(log)) {}

  const std::string& topic() const { return topic_; }
  int32_t index() const { return index_; }
  storage::PartitionLog& log() { return *log_; }
  const storage::PartitionLog& log() const { return *log_; }
  // The leader epoch stamped into appended batches (0 until replication elects leaders).
  int32_t leader_epoch() const { return 0; }

  // Appends and then wakes every subscriber.
  Result<storage::AppendResult> append(std::span<char> batches);

  // Registers `wake`, run once on the appending thread after the next successful append.
  // Returns an id for unsubscribe(). `wake` must be cheap and must not call back into
  // this partition (post the real work elsewhere).
  uint64_t subscribe(std::function<void()> wake);
  void unsubscribe(uint64_t id);

 private:
  const std::string topic_;
  const int32_t index_;
  std::unique_ptr<storage::PartitionLog> log_;

  std::mutex waiters_mu_;
  uint64_t next_waiter_id_ = 1;                        // GUARDED_BY(waiters_mu_)
  std::map<uint64_t, std::function<void()>> waiters_;  // GUARDED_BY(waiters_mu_)
};

}  // namespace sluice::topics
