// One partition of a topic: its log plus the wake-ups that long-polling fetches wait on.
// Fetches see only what is below the log's high watermark, so they are woken when it
// moves (on a single node: once an append is durable), not when an append is written.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "storage/partition_log.h"

namespace sluice::topics {

class Partition {
 public:
  // Takes over the log's high-watermark listener. `leader`: the role it starts in (epoch 0).
  Partition(std::string topic, int32_t index, std::unique_ptr<storage::PartitionLog> log,
            bool leader = true);
  // Closes the log first: its last fdatasync may still run the listener, which needs the
  // subscriber list alive.
  ~Partition() { log_.reset(); }
  Partition(const Partition&) = delete;
  Partition& operator=(const Partition&) = delete;

  const std::string& topic() const { return topic_; }
  int32_t index() const { return index_; }
  storage::PartitionLog& log() { return *log_; }
  const storage::PartitionLog& log() const { return *log_; }
  // Whether this broker leads the partition, and the leader epoch it knows. A single node
  // leads every partition in epoch 0; in cluster mode LocalReplicas sets both from the
  // partition's state in the metadata store. Clients are served only by the leader.
  bool is_leader() const { return role_.load(std::memory_order_acquire).leader; }
  int32_t leader_epoch() const { return role_.load(std::memory_order_acquire).epoch; }
  // Ignored when `epoch` is older than the one known: a late update never undoes a newer one.
  void set_role(bool leader, int32_t epoch);

  // Writes `batches` in the current leader epoch; the ticket completes once they are
  // durable. Subscribers are woken when the high watermark passes them. kNotLeader when this
  // broker does not lead the partition.
  Result<storage::PendingAppend> append(std::span<char> batches);

  // Traffic since the broker started, for metrics: what was appended (duplicates of an
  // idempotent producer's retry not counted) and what fetches returned.
  struct Traffic {
    uint64_t bytes_in = 0;
    uint64_t records_in = 0;
    uint64_t bytes_out = 0;
    uint64_t records_out = 0;
  };
  Traffic traffic() const;
  // Counts what a read returned as fetched. Records are counted by offset (no compaction:
  // every offset of a batch holds a record), so the bytes need not be in memory.
  void record_fetched(const storage::ReadResult& read);

  // Registers `wake`, run once on whichever thread next raises the high watermark.
  // Returns an id for unsubscribe(). `wake` must be cheap and must not call back into
  // this partition (post the real work elsewhere).
  uint64_t subscribe(std::function<void()> wake);
  void unsubscribe(uint64_t id);

 private:
  void wake_subscribers();

  // Aligned to its size so that the atomic below is one lock-free word (clang otherwise
  // calls libatomic for an 8-byte struct aligned to 4).
  struct alignas(8) Role {
    bool leader = true;
    int32_t epoch = 0;
  };
  static_assert(std::atomic<Role>::is_always_lock_free);

  const std::string topic_;
  const int32_t index_;
  std::atomic<Role> role_;
  std::unique_ptr<storage::PartitionLog> log_;

  std::atomic<uint64_t> bytes_in_{0};
  std::atomic<uint64_t> records_in_{0};
  std::atomic<uint64_t> bytes_out_{0};
  std::atomic<uint64_t> records_out_{0};

  std::mutex waiters_mu_;
  uint64_t next_waiter_id_ = 1;                        // GUARDED_BY(waiters_mu_)
  std::map<uint64_t, std::function<void()>> waiters_;  // GUARDED_BY(waiters_mu_)
};

}  // namespace sluice::topics
