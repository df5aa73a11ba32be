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

void ClusterNode::start(topics::TopicManager& topics,
                        std::map<std::string, std::string> listeners) {
  replicas_ = std::make_unique<cluster::LocalReplicas>(*view_, topics, options_.node_id);
  replicas_->start();
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
  session_ = std::make_unique<cluster::BrokerSession>(*store_, keys_, std::move(self),
                                                      session_options, std::move(callbacks));
  session_->start();
}

void ClusterNode::stop() {
  if (session_) session_->stop();
  if (controller_) controller_->stop();
  if (replicas_) replicas_->stop();
  if (view_) view_->stop();
}

}  // namespace sluice::server
