// The follower's side of replication (cluster mode): for every partition this broker holds
// but does not lead, fetch the leader's batches over the Kafka protocol, as Kafka's own
// followers do (Fetch with replica_id), and write them unchanged (offsets, epochs) into the
// local log.
//
// One session (a coroutine) per leader broker, all on the fetcher's own thread:
//   1. For each partition whose leader epoch is new to it: OffsetForLeaderEpoch with the
//      local log's latest epoch, then truncate where the leader's log and ours part
//      (PartitionLog::truncate_to_epoch_end; again while the epochs differ, KIP-279).
//   2. Fetch from the log end in the leader's epoch; append what came; wait until it is
//      durable; take the leader's high watermark as far as this log is durable; repeat. The
//      next fetch's offset is therefore this replica's durable end, which is what the leader
//      counts towards its high watermark: an acks=all write is on the disk of every in-sync
//      replica when it is acknowledged.
//
// A leader that answers NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH or UNKNOWN_LEADER_EPOCH
// is asked again after a pause; the cluster view soon says who leads (assign()).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/asio.h"
#include "topics/partition.h"

namespace sluice::kafka::server {

struct ReplicaFetcherOptions {
  int32_t self = 0;
  int32_t max_wait_ms = 500;
  int32_t max_bytes = 32 << 20;
  int32_t partition_max_bytes = 1 << 20;
};

struct FollowedPartition {
  std::shared_ptr<topics::Partition> partition;
  int32_t leader = -1;
  int32_t leader_epoch = 0;
};

struct LeaderEndpoint {
  std::string host;
  int32_t port = 0;
  bool operator==(const LeaderEndpoint&) const = default;
};

class ReplicaFetcher {
 public:
  explicit ReplicaFetcher(ReplicaFetcherOptions options);
  ~ReplicaFetcher();  // stop()s
  ReplicaFetcher(const ReplicaFetcher&) = delete;
  ReplicaFetcher& operator=(const ReplicaFetcher&) = delete;

  void start();
  void stop();

  // What to follow now (every partition this broker follows, from which leader, in which
  // epoch) and where each leader's Kafka listener is. Replaces the previous assignment.
  void assign(std::vector<FollowedPartition> followed, std::map<int32_t, LeaderEndpoint> leaders);

  // Since start, for metrics and tests: fetched partition responses appended to a local
  // log (each one or more batches), and truncations by leader epoch.
  uint64_t batches_fetched() const { return batches_.load(); }
  uint64_t truncations() const { return truncations_.load(); }

 private:
  struct Assignment;
  asio::awaitable<void> session(int32_t leader);
  // Leaves with `leader` out of running_ when it has nothing to fetch.
  bool collect(int32_t leader, std::vector<FollowedPartition>* parts, LeaderEndpoint* endpoint);

  const ReplicaFetcherOptions options_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread thread_;

  std::mutex mu_;
  std::map<std::pair<std::string, int32_t>, FollowedPartition> followed_;  // GUARDED_BY(mu_)
  std::map<int32_t, LeaderEndpoint> leaders_;                              // GUARDED_BY(mu_)
  std::set<int32_t> running_;  // GUARDED_BY(mu_): leaders with a session
  bool stopping_ = false;      // GUARDED_BY(mu_)

  std::atomic<uint64_t> batches_{0};
  std::atomic<uint64_t> truncations_{0};
};

}  // namespace sluice::kafka::server
