#include "cluster/local_placement.h"

namespace sluice::cluster {

PlacementStatus placement_status_from(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return PlacementStatus::ok();
    case StatusCode::kAlreadyExists:
      return {PlacementErrc::kTopicExists, status.message()};
    case StatusCode::kNotFound:
      return {PlacementErrc::kUnknownTopic, status.message()};
    case StatusCode::kInvalidArgument:
      return {PlacementErrc::kInvalidPartitions, status.message()};
    default:
      return {PlacementErrc::kStorageError, status.message()};
  }
}

LocalPlacement::LocalPlacement(topics::TopicManager& topics, int32_t node_id,
                               std::string cluster_id)
    : topics_(topics), node_id_(node_id), cluster_id_(std::move(cluster_id)) {}

void LocalPlacement::set_advertised(std::string host, int32_t port) {
  std::lock_guard lock(mu_);
  host_ = std::move(host);
  port_ = port;
}

BrokerEndpoint LocalPlacement::endpoint() const {
  std::lock_guard lock(mu_);
  return BrokerEndpoint{node_id_, host_, port_, {}};
}

std::vector<std::string> LocalPlacement::topic_names() const {
  std::vector<std::string> names;
  for (const auto& info : topics_.topics()) names.push_back(info.name);
  return names;
}

std::optional<TopicPlacement> LocalPlacement::topic(const std::string& name) const {
  const auto info = topics_.topic(name);
  if (!info) return std::nullopt;
  TopicPlacement placement{name, {}};
  for (int32_t i = 0; i < info->partitions; ++i) {
    // Epoch 0: the epoch stamped into every batch a single node writes.
    placement.partitions.push_back(PartitionPlacement{i, node_id_, 0, {node_id_}, {node_id_}, {}});
  }
  return placement;
}

PlacementStatus LocalPlacement::check_assignment(
    const std::vector<std::vector<int32_t>>& assignment) const {
  for (const auto& replicas : assignment) {
    if (replicas.size() != 1 || replicas[0] != node_id_) {
      return {PlacementErrc::kInvalidReplicaAssignment,
              "each partition must be assigned to exactly broker " + std::to_string(node_id_)};
    }
  }
  return PlacementStatus::ok();
}

PlacementStatus LocalPlacement::create_topic(const NewTopic& topic, bool validate_only) {
  if (topics_.topic(topic.name)) {
    return {PlacementErrc::kTopicExists, "topic '" + topic.name + "' already exists"};
  }
  int32_t partitions = topic.partitions;
  if (!topic.assignment.empty()) {
    if (auto status = check_assignment(topic.assignment); !status.is_ok()) return status;
    partitions = static_cast<int32_t>(topic.assignment.size());
  } else {
    if (partitions == -1) partitions = topics_.defaults().partitions;
    if (partitions < 1) {
      return {PlacementErrc::kInvalidPartitions, "num_partitions must be at least 1"};
    }
    if (topic.replication_factor != -1 && topic.replication_factor != 1) {
      return {PlacementErrc::kInvalidReplicationFactor,
              "replication factor " + std::to_string(topic.replication_factor) +
                  " is larger than the 1 available broker"};
    }
  }
  if (validate_only) return PlacementStatus::ok();
  return placement_status_from(topics_.create_topic(topic.name, partitions, topic.configs));
}

PlacementStatus LocalPlacement::delete_topic(const std::string& name) {
  return placement_status_from(topics_.delete_topic(name));
}

PlacementStatus LocalPlacement::add_partitions(const std::string& name, int32_t total,
                                               const std::vector<std::vector<int32_t>>& assignment,
                                               bool validate_only) {
  const auto info = topics_.topic(name);
  if (!info) return {PlacementErrc::kUnknownTopic, "topic '" + name + "' does not exist"};
  if (total <= info->partitions) {
    return {PlacementErrc::kInvalidPartitions,
            "topic '" + name + "' already has " + std::to_string(info->partitions) + " partitions"};
  }
  if (auto status = check_assignment(assignment); !status.is_ok()) {
    status.message =
        "every new partition must be assigned to exactly broker " + std::to_string(node_id_);
    return status;
  }
  if (validate_only) return PlacementStatus::ok();
  return placement_status_from(topics_.add_partitions(name, total));
}

}  // namespace sluice::cluster
