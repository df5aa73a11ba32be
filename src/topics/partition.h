// One partition of a topic: its log, its role in the cluster, and the wake-ups that
// long-polling fetches wait on. Consumers' fetches see only what is below the log's high
// watermark, so they are woken when it moves (on a single node: once an append is durable);
// followers' fetches read up to the log end and are also woken by every append.
//
// Replication (cluster mode, enable_replication): the partition follows its state in the
// metadata store (follow_state). As leader it tracks its followers (replica_tracker.h) and
// owns the high watermark: the minimum durable position over the in-sync replicas, its own
// included; acks=all waits for it (when_committed). As follower it takes the leader's batches
// unchanged (append_replicated) and the leader's high watermark as far as its own log is
// durable.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "storage/partition_log.h"
#include "topics/replica_tracker.h"

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

  // --- Replication (cluster mode).

  // From now on the partition follows follow_state() and replication owns the high
  // watermark. `self` is this broker's id. Idempotent.
  void enable_replication(int32_t self);
  bool replicated() const { return replicated_.load(std::memory_order_acquire); }
  // The partition's state in the metadata store. Ignored when older than the epoch known.
  // Becoming leader assigns the epoch at the log end (before anything is written in it) and
  // starts a new term of follower tracking; ceasing to lead fails every commit wait with
  // kNotLeader. Blocks (the epoch cache is persisted): not on a network thread.
  void follow_state(const ReplicaSet& set);
  // The state last followed (empty before the first).
  ReplicaSet replica_set() const;
  // kNotEnoughReplicas when fewer replicas are in sync than min.insync.replicas (checked
  // before an acks=all write; OK on a single node).
  Status check_min_insync() const;
  // Calls `done` once every offset below `offset` is committed: durable on every in-sync
  // replica (replicated), or on this broker (single node). kNotEnoughReplicasAfterAppend
  // when the ISR had shrunk below min.insync.replicas by then; kNotLeader when this broker
  // stops leading first. Returns an id for forget_commit_wait (0 on a single node, where
  // the wait is the log's).
  uint64_t when_committed(int64_t offset, std::function<void(Status)> done);
  // Drops a wait (its caller gave up: a produce timeout); its `done` is not called.
  void forget_commit_wait(uint64_t id);

  // Leader: a follower's fetch from `offset`, which it holds durably below. Moves the high
  // watermark when that lets it.
  void follower_fetched(int32_t follower, int64_t offset);
  // Leader: the ISR to ask the controller for now (see ReplicaTracker::wanted_isr), and
  // the note that it was asked for.
  std::optional<std::vector<int32_t>> wanted_isr(int64_t lag_max_ms);
  void isr_requested(std::vector<int32_t> isr);
  std::vector<FollowerProgress> followers() const;

  // Follower: the leader's batches, with their offsets and epochs (PartitionLog::
  // append_replicated). FailedPrecondition while this broker leads the partition.
  Result<storage::PendingAppend> append_replicated(std::span<const char> batches);
  // Follower: the leader's high watermark, taken as far as this log is durable.
  void follow_high_watermark(int64_t leader_high_watermark);

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

  // Registers `wake`, run once on whichever thread next raises the high watermark (or, with
  // `on_append`, next appends: a follower's fetch). Returns an id for unsubscribe(). `wake`
  // must be cheap and must not call back into this partition (post the real work elsewhere).
  uint64_t subscribe(std::function<void()> wake, bool on_append = false);
  void unsubscribe(uint64_t id);

 private:
  struct Waiter {
    std::function<void()> wake;
    bool on_append = false;
  };

  void wake_subscribers(bool appended_only);
  void on_high_watermark(int64_t high_watermark);
  // Raises the high watermark to what the counted replicas hold. Leader only.
  void update_high_watermark();

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
  uint64_t next_waiter_id_ = 1;         // GUARDED_BY(waiters_mu_)
  std::map<uint64_t, Waiter> waiters_;  // GUARDED_BY(waiters_mu_)

  std::atomic<bool> replicated_{false};
  mutable std::mutex replication_mu_;
  int32_t self_ = -1;                      // GUARDED_BY(replication_mu_)
  ReplicaSet set_;                         // GUARDED_BY(replication_mu_)
  std::optional<ReplicaTracker> tracker_;  // GUARDED_BY(replication_mu_): while leading
  uint64_t next_commit_id_ = 1;            // GUARDED_BY(replication_mu_)
  // By (offset, id), so that a rising high watermark completes them from the front.
  std::map<std::pair<int64_t, uint64_t>, std::function<void(Status)>>
      commit_waits_;  // GUARDED_BY(replication_mu_)
};

}  // namespace sluice::topics
