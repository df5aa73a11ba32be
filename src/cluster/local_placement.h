// Placement for the embedded single node: this broker is the only one, every partition's
// only replica and leader (in epoch 0) and the controller, and topics are the local
// TopicManager's. A replication factor above 1 is refused, not silently lowered.
#pragma once

#include <mutex>

#include "cluster/placement.h"
#include "topics/topic_manager.h"

namespace sluice::cluster {

class LocalPlacement final : public Placement {
 public:
  LocalPlacement(topics::TopicManager& topics, int32_t node_id, std::string cluster_id);

  // What Metadata tells clients to connect to; set once the listener is bound.
  void set_advertised(std::string host, int32_t port);

  int32_t self() const override { return node_id_; }
  std::string cluster_id() const override { return cluster_id_; }
  int32_t controller() const override { return node_id_; }
  std::vector<BrokerEndpoint> brokers() const override { return {endpoint()}; }
  std::vector<std::string> topic_names() const override;
  std::optional<TopicPlacement> topic(const std::string& name) const override;
  std::optional<BrokerEndpoint> group_coordinator(const std::string&) const override {
    return endpoint();
  }

  PlacementStatus create_topic(const NewTopic& topic, bool validate_only) override;
  PlacementStatus delete_topic(const std::string& name) override;
  PlacementStatus add_partitions(const std::string& name, int32_t total,
                                 const std::vector<std::vector<int32_t>>& assignment,
                                 bool validate_only) override;

 private:
  BrokerEndpoint endpoint() const;
  // Every partition of an explicit assignment must be exactly {this node}.
  PlacementStatus check_assignment(const std::vector<std::vector<int32_t>>& assignment) const;

  topics::TopicManager& topics_;
  const int32_t node_id_;
  const std::string cluster_id_;
  mutable std::mutex mu_;
  std::string host_ = "127.0.0.1";  // GUARDED_BY(mu_)
  int32_t port_ = 9092;             // GUARDED_BY(mu_)
};

// PlacementStatus from a TopicManager Status.
PlacementStatus placement_status_from(const Status& status);

}  // namespace sluice::cluster
