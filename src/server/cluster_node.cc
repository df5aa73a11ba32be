#include "server/cluster_node.h"

#include <thread>

#include "cluster/producer_id_blocks.h"
#include "cluster/random_id.h"
#include "common/log.h"

namespace sluice::server {

ClusterNode::ClusterNode(const ClusterNodeOptions& options,
                         std::unique_ptr<cluster::EtcdMetadataStore> store)
    : options_(options), keys_(options.cluster), store_(std::move(store)) {}

Result<std::unique_ptr<ClusterNode>> ClusterNode::connect(const ClusterNodeOptions& options) {
  auto store = cluster::EtcdMetadataStore::connect(options.etcd);
  if (!store.is_ok()) return Status::invalid_argument("--etcd: " + store.status().message());
  std::unique_ptr<ClusterNode> node(new ClusterNode(options, std::move(*store)));
  auto logger = log::get("cluster");
  const auto deadline = std::chrono::steady_clock::now() + options.connect_timeout;
  // The first broker of a cluster names it; the others read the name.
  while (true) {
    auto created = node->store_->create(node->keys_.cluster_id(), cluster::random_id());
    if (created.is_ok() || created.code() == cluster::StoreErrc::kConflict) break;
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::io_error("cannot reach etcd at " + options.etcd + ": " +
                              created.status().message());
    }
    logger->warn("waiting for etcd endpoints={} error=\"{}\"", options.etcd,
                 created.status().to_string());
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  node->view_ = std::make_unique<cluster::ClusterView>(*node->store_, node->keys_);
  if (auto status = node->view_->start(); !status.is_ok()) {
    return Status::io_error("cannot read the cluster state: " + status.message());
  }
  cluster::ClusterPlacementOptions placement_options;
  placement_options.default_partitions = options.default_partitions;
  node->placement_ = std::make_unique<cluster::ClusterPlacement>(
      *node->store_, *node->view_, options.node_id, placement_options);
  return node;
}

ClusterNode::~ClusterNode() {
  stop();
}

topics::ProducerIdAllocator::BlockSource ClusterNode::producer_id_source() {
  return [this](int64_t size) { return cluster::reserve_producer_ids(*store_, keys_, size); };
}

void ClusterNode::assign_fetches(const cluster::ClusterSnapshot& snapshot,
                                 topics::TopicManager& topics) {
  std::vector<kafka::server::FollowedPartition> followed;
  std::map<int32_t, kafka::server::LeaderEndpoint> leaders;
  for (const auto& [name, view] : snapshot.topics) {
    if (snapshot.topic(name) == nullptr) continue;
    for (const auto& [index, state] : view.partitions) {
      const int32_t leader = state.state.leader;
      if (leader == cluster::kNoLeader || leader == options_.node_id) continue;
      auto partition = topics.partition(name, index);
      if (!partition) continue;  // not a replica here
      auto broker = snapshot.brokers.find(leader);
      if (broker == snapshot.brokers.end()) continue;
      auto kafka = broker->second.listeners.find("kafka");
      if (kafka == broker->second.listeners.end()) continue;
      const auto colon = kafka->second.rfind(':');
      if (colon == std::string::npos) continue;
      leaders[leader] = {kafka->second.substr(0, colon),
                         std::atoi(kafka->second.c_str() + colon + 1)};
      followed.push_back({std::move(partition), leader, state.state.leader_epoch});
    }
  }
  fetcher_->assign(std::move(followed), std::move(leaders));
}

void ClusterNode::start(topics::TopicManager& topics,
                        std::map<std::string, std::string> listeners) {
  kafka::server::ReplicaFetcherOptions fetcher_options;
  fetcher_options.self = options_.node_id;
  fetcher_ = std::make_unique<kafka::server::ReplicaFetcher>(fetcher_options);
  fetcher_->start();
  replicas_ = std::make_unique<cluster::LocalReplicas>(*view_, topics, options_.node_id);
  replicas_->on_applied([this, &topics](const cluster::ClusterSnapshot& snapshot) {
    assign_fetches(snapshot, topics);
  });
  replicas_->start();
  cluster::IsrReporterOptions isr_options;
  isr_options.replica_lag_time_max_ms = options_.replica_lag_time_max_ms;
  isr_reporter_ = std::make_unique<cluster::IsrReporter>(*store_, keys_, topics, isr_options);
  isr_reporter_->start();
  election_ = std::make_unique<cluster::ControllerElection>(*store_, keys_, options_.node_id);
  controller_ = std::make_unique<cluster::Controller>(*view_, *election_);
  controller_->start();
  cluster::BrokerInfo self{options_.node_id, options_.rack, std::move(listeners)};
  cluster::BrokerSessionOptions session_options;
  session_options.lease_ttl_seconds = options_.lease_ttl_seconds;
  cluster::BrokerSessionCallbacks callbacks;
  auto* controller = controller_.get();
  callbacks.on_elected = [controller](cluster::Revision epoch) {
    log::get("cluster")->info("elected controller epoch={}", epoch);
    controller->lead(epoch);
  };
  callbacks.on_deposed = [controller] {
    log::get("cluster")->info("no longer controller");
    controller->follow();
  };
  callbacks.on_lease_expired = [replicas = replicas_.get()] { replicas->stop_leading(); };
  session_ = std::make_unique<cluster::BrokerSession>(*store_, keys_, std::move(self),
                                                      session_options, std::move(callbacks));
  session_->start();
}

void ClusterNode::stop() {
  if (session_) session_->stop();
  if (controller_) controller_->stop();
  if (isr_reporter_) isr_reporter_->stop();
  if (replicas_) replicas_->stop();
  if (fetcher_) fetcher_->stop();
  if (view_) view_->stop();
}

}  // namespace sluice::server
