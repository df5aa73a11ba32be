// A broker's picture of the cluster: the live brokers, the controller, every topic record and
// partition state, kept current by one watch on the cluster's prefix of the metadata store.
//
// Readers take an immutable snapshot (a shared_ptr, swapped whole on every change), so that a
// request handler sees one consistent revision without locks held. Subscribers are told of
// each new snapshot in revision order, on the view's threads, one at a time.
//
// When etcd compacts the revision the watch must resume from, the view re-reads everything
// and watches again (Jepsen's "watch gaps after compaction": a resumed watch must never skip
// a change, so a compacted one is never resumed).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "cluster/broker_info.h"
#include "cluster/cluster_keys.h"
#include "cluster/controller_election.h"
#include "cluster/metadata_store.h"
#include "cluster/topic_records.h"

namespace sluice::cluster {

struct PartitionView {
  PartitionState state;
  Revision mod_revision = 0;  // the guard for the controller's next write of this state
};

struct TopicView {
  TopicRecord record;
  Revision mod_revision = 0;
  std::map<int32_t, PartitionView> partitions;  // the states written so far
  std::map<int32_t, IsrChange> isr_changes;     // leaders' requests not yet handled
};

struct ClusterSnapshot {
  Revision revision = 0;                  // the store's revision this snapshot reflects
  std::map<int32_t, BrokerInfo> brokers;  // live (registered under a lease), by id
  std::optional<ControllerInfo> controller;
  std::string cluster_id;  // empty until the first broker has created it
  std::map<std::string, TopicView> topics;

  bool is_live(int32_t broker) const { return brokers.count(broker) > 0; }
  const TopicView* topic(const std::string& name) const;
  // nullptr when the topic or the partition's state does not exist (yet).
  const PartitionView* partition(const std::string& topic, int32_t index) const;
};

using SnapshotPtr = std::shared_ptr<const ClusterSnapshot>;

class ClusterView {
 public:
  // `store` must outlive the view.
  ClusterView(MetadataStore& store, ClusterKeys keys);
  ~ClusterView();  // stop()s
  ClusterView(const ClusterView&) = delete;
  ClusterView& operator=(const ClusterView&) = delete;

  // Reads the cluster's state and starts watching it. Returns the read's error when the
  // store cannot be reached: the caller decides whether to retry or give up.
  StoreStatus start();
  void stop();

  SnapshotPtr snapshot() const;

  // Called with every new snapshot, from start() on. Returns an id for unsubscribe().
  uint64_t subscribe(std::function<void(const SnapshotPtr&)> callback);
  void unsubscribe(uint64_t id);

  // Blocks until a snapshot satisfies `ready` (true at once if the current one does) or
  // `timeout` passes; returns the last snapshot looked at and whether it satisfied it.
  std::pair<SnapshotPtr, bool> wait_for(const std::function<bool(const ClusterSnapshot&)>& ready,
                                        std::chrono::milliseconds timeout);

  const ClusterKeys& keys() const { return keys_; }

 private:
  StoreStatus load();
  void on_events(StoreResult<std::vector<WatchEvent>> events);
  void apply(ClusterSnapshot& next, const WatchEvent& event) const;
  void publish(SnapshotPtr next);
  void resync_loop();

  MetadataStore& store_;
  const ClusterKeys keys_;

  mutable std::mutex mu_;
  std::condition_variable changed_;
  SnapshotPtr current_;                                                      // GUARDED_BY(mu_)
  std::map<uint64_t, std::function<void(const SnapshotPtr&)>> subscribers_;  // GUARDED_BY(mu_)
  uint64_t next_subscriber_ = 1;                                             // GUARDED_BY(mu_)
  bool resync_ = false;           // GUARDED_BY(mu_): the watch ended; re-read and watch again
  bool stopping_ = false;         // GUARDED_BY(mu_)
  std::mutex publish_mu_;         // one publication (and its callbacks) at a time, in order
  std::unique_ptr<Watch> watch_;  // replaced only by the resync thread (and start/stop)
  std::thread resync_thread_;
};

}  // namespace sluice::cluster
