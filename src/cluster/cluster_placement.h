// Placement in cluster mode: what the metadata store says, through this broker's ClusterView.
// Creating a topic writes its record (replicas of every partition) create-if-absent; the
// controller then writes each partition's first state (leader, epoch, ISR), and the creating
// call waits, within a bound, until it has, so that a client can produce right after.
#pragma once

#include <chrono>

#include "cluster/cluster_view.h"
#include "cluster/placement.h"

namespace sluice::cluster {

struct ClusterPlacementOptions {
  int32_t default_partitions = 1;
  // -1: min(3, live brokers), as Kafka's default.replication.factor in cluster mode.
  int32_t default_replication_factor = -1;
  // How long CreateTopics and CreatePartitions wait for the controller to elect leaders.
  std::chrono::milliseconds leader_wait{10000};
};

class ClusterPlacement final : public Placement {
 public:
  // `store` and `view` must outlive this.
  ClusterPlacement(MetadataStore& store, ClusterView& view, int32_t self,
                   ClusterPlacementOptions options);

  int32_t self() const override { return self_; }
  std::string cluster_id() const override;
  int32_t controller() const override;
  std::vector<BrokerEndpoint> brokers() const override;
  std::vector<std::string> topic_names() const override;
  std::optional<TopicPlacement> topic(const std::string& name) const override;
  std::optional<BrokerEndpoint> group_coordinator(const std::string& group) const override;

  PlacementStatus create_topic(const NewTopic& topic, bool validate_only) override;
  PlacementStatus delete_topic(const std::string& name) override;
  PlacementStatus add_partitions(const std::string& name, int32_t total,
                                 const std::vector<std::vector<int32_t>>& assignment,
                                 bool validate_only) override;

 private:
  // Replicas for partitions [first, first + count) of a topic, or the reason there are none.
  PlacementStatus place(const ClusterSnapshot& snapshot, int32_t first, int32_t count,
                        int32_t replication_factor,
                        const std::vector<std::vector<int32_t>>& explicit_assignment,
                        std::vector<std::vector<int32_t>>* replicas) const;
  // Waits until every partition of `name` below `partitions` has a live leader.
  void wait_for_leaders(const std::string& name, int32_t partitions);

  MetadataStore& store_;
  ClusterView& view_;
  const int32_t self_;
  const ClusterPlacementOptions options_;
};

// The endpoint a broker registered for `listener`; nullopt when it has none.
std::optional<BrokerEndpoint> endpoint_of(const BrokerInfo& broker, const std::string& listener);

}  // namespace sluice::cluster
