// Makes this broker's logs follow the cluster: for every topic with a partition assigned
// here it keeps a local topic of the record's partition count and configs, drops local
// topics the cluster no longer has, and sets each local partition's role (leader or not,
// and the leader epoch) from its state. A partition this broker does not lead answers
// clients with NOT_LEADER_OR_FOLLOWER.
//
// Snapshots are applied on a thread of its own, newest first (an older one waiting is
// skipped), because creating or deleting a topic fsyncs.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "cluster/cluster_view.h"
#include "topics/topic_manager.h"

namespace sluice::cluster {

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
  std::thread thread_;
};

}  // namespace sluice::cluster
