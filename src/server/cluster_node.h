// This broker's membership of a cluster (cluster mode: `sluice serve --etcd ...`): the etcd
// connection, the cluster view, the placement the Kafka front end answers from, the local
// replicas that follow it, the replica fetcher that copies the partitions it follows from
// their leaders, the ISR reporter of the partitions it leads, the controller it may become,
// and the session that registers it.
// docs/cluster.md describes what they do together.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "cluster/broker_session.h"
#include "cluster/cluster_placement.h"
#include "cluster/cluster_view.h"
#include "cluster/controller.h"
#include "cluster/etcd_metadata_store.h"
#include "cluster/isr_reporter.h"
#include "cluster/local_replicas.h"
#include "common/status.h"
#include "kafka/server/replica_fetcher.h"
#include "topics/producer_id_allocator.h"
#include "topics/topic_manager.h"

namespace sluice::server {

struct ClusterNodeOptions {
  int32_t node_id = 0;
  std::string etcd;  // "http://HOST:PORT[,...]"
  std::string cluster = "sluice";
  std::string rack;
  int64_t lease_ttl_seconds = 3;
  int64_t replica_lag_time_max_ms = 30000;
  int32_t default_partitions = 1;
  // How long start-up keeps trying to reach etcd before it gives up.
  std::chrono::seconds connect_timeout{30};
};

class ClusterNode {
 public:
  // Reaches etcd and reads the cluster's state; the placement answers from then on.
  static Result<std::unique_ptr<ClusterNode>> connect(const ClusterNodeOptions& options);
  ~ClusterNode();  // stop()s
  ClusterNode(const ClusterNode&) = delete;
  ClusterNode& operator=(const ClusterNode&) = delete;

  cluster::Placement& placement() { return *placement_; }
  topics::ProducerIdAllocator::BlockSource producer_id_source();

  // Makes `topics` follow the cluster (topics and leadership as the store says now), then
  // registers this broker with `listeners` ("kafka" -> advertised HOST:PORT, ...) and
  // stands for controller. `topics` must outlive the node's stop().
  void start(topics::TopicManager& topics, std::map<std::string, std::string> listeners);
  // Leaves the cluster: the registration and, if held, the controller key go at once (the
  // lease is revoked), so others take over without waiting for a TTL.
  void stop();

  uint64_t leader_elections() const { return controller_ ? controller_->elections() : 0; }
  uint64_t isr_changes() const { return controller_ ? controller_->isr_changes() : 0; }

 private:
  ClusterNode(const ClusterNodeOptions& options, std::unique_ptr<cluster::EtcdMetadataStore> store);

  const ClusterNodeOptions options_;
  const cluster::ClusterKeys keys_;
  std::unique_ptr<cluster::EtcdMetadataStore> store_;
  std::unique_ptr<cluster::ClusterView> view_;
  std::unique_ptr<cluster::ClusterPlacement> placement_;
  // What the local replicas follow, for the fetcher: run at the end of each apply.
  void assign_fetches(const cluster::ClusterSnapshot& snapshot, topics::TopicManager& topics);

  std::unique_ptr<kafka::server::ReplicaFetcher> fetcher_;
  std::unique_ptr<cluster::IsrReporter> isr_reporter_;
  std::unique_ptr<cluster::LocalReplicas> replicas_;
  std::unique_ptr<cluster::ControllerElection> election_;
  std::unique_ptr<cluster::Controller> controller_;
  std::unique_ptr<cluster::BrokerSession> session_;
};

}  // namespace sluice::server
