// Makes this broker's logs follow the cluster: for every topic with a partition assigned
// here it keeps a local topic of the record's partition count and configs, drops local
// topics the cluster no longer has, and has each local partition follow its state (leader
// or follower, the leader epoch, the replicas and ISR: Partition::follow_state). A partition
// this broker does not lead answers clients with NOT_LEADER_OR_FOLLOWER.
//
// Snapshots are applied on a thread of its own, newest first (an older one waiting is
// skipped), because creating or deleting a topic fsyncs.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "cluster/cluster_view.h"
#include "topics/topic_manager.h"

namespace sluice::cluster {

// min.insync.replicas for a topic: its override, else 2 where the replication factor is 3
// or more, else 1.
int32_t min_insync_replicas(const TopicRecord& record);

class LocalReplicas {
 public:
  // `view` and `topics` must outlive this.
  LocalReplicas(ClusterView& view, topics::TopicManager& topics, int32_t self);
  ~LocalReplicas();  // stop()s
  LocalReplicas(const LocalReplicas&) = delete;
  LocalReplicas& operator=(const LocalReplicas&) = delete;

  // Applies the current snapshot on this thread (so that the broker serves only once its
  // logs follow the cluster), then follows every new one on its own.
  void start();
  void stop();

  // Applies `snapshot` now, on the calling thread.
  void apply(const ClusterSnapshot& snapshot);

  // Stops leading every local partition now (the lease is gone): nothing more is
  // acknowledged until a new state says this broker leads.
  void stop_leading();

  // Called at the end of every apply(), on its thread: where the replica fetchers learn
  // what to follow once the local logs exist. REQUIRES: set before start().
  void on_applied(std::function<void(const ClusterSnapshot&)> applied) {
    applied_ = std::move(applied);
  }

 private:
  void run();

  ClusterView& view_;
  topics::TopicManager& topics_;
  const int32_t self_;
  uint64_t subscription_ = 0;

  std::mutex mu_;
  std::condition_variable wake_;
  SnapshotPtr pending_;    // GUARDED_BY(mu_): the newest snapshot not applied yet
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::mutex apply_mu_;    // one apply() at a time
  std::function<void(const ClusterSnapshot&)> applied_;
  std::thread thread_;
};

}  // namespace sluice::cluster
