// The leader's side of ISR changes (Kafka's AlterPartition, over the metadata store): every
// tick it asks each partition this broker leads whether its in-sync set should change (a
// follower fell behind for replica.lag.time.max.ms, or one caught up), and writes the
// request to isr_changes/<topic>/<index> for the controller to apply or refuse.
//
// The partition keeps counting the asked-for members towards its high watermark until the
// store shows a new state (topics/replica_tracker.h), so a request may be lost or refused
// without harm: it is asked again.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "cluster/cluster_keys.h"
#include "cluster/metadata_store.h"
#include "topics/topic_manager.h"

namespace sluice::cluster {

struct IsrReporterOptions {
  int64_t replica_lag_time_max_ms = 30000;  // Kafka's replica.lag.time.max.ms
  std::chrono::milliseconds interval{250};
};

class IsrReporter {
 public:
  // `store` and `topics` must outlive the reporter.
  IsrReporter(MetadataStore& store, ClusterKeys keys, topics::TopicManager& topics,
              IsrReporterOptions options);
  ~IsrReporter();  // stop()s
  IsrReporter(const IsrReporter&) = delete;
  IsrReporter& operator=(const IsrReporter&) = delete;

  void start();
  void stop();

  // One pass over the partitions this broker leads; returns how many requests it wrote.
  int report_once();

  uint64_t requests() const { return requests_.load(); }

 private:
  void run();

  MetadataStore& store_;
  const ClusterKeys keys_;
  topics::TopicManager& topics_;
  const IsrReporterOptions options_;
  std::atomic<uint64_t> requests_{0};

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace sluice::cluster
