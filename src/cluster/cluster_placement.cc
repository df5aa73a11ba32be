#include "cluster/cluster_placement.h"

#include <algorithm>
#include <charconv>
#include <random>
#include <set>

#include "cluster/random_id.h"
#include "cluster/replica_assignment.h"

namespace sluice::cluster {

namespace {

PlacementStatus from_store(const StoreStatus& status, const std::string& what) {
  if (status.code() == StoreErrc::kConflict) {
    return {PlacementErrc::kTopicExists, what + ": changed by another request first"};
  }
  return {PlacementErrc::kUnavailable, what + ": " + status.message()};
}

uint32_t random_start() {
  static thread_local std::mt19937 generator{std::random_device{}()};
  return static_cast<uint32_t>(generator());
}

}  // namespace

std::optional<BrokerEndpoint> endpoint_of(const BrokerInfo& broker, const std::string& listener) {
  auto it = broker.listeners.find(listener);
  if (it == broker.listeners.end()) return std::nullopt;
  const std::string& address = it->second;
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  int32_t port = 0;
  const char* begin = address.data() + colon + 1;
  const char* end = address.data() + address.size();
  if (auto [ptr, error] = std::from_chars(begin, end, port); error != std::errc() || ptr != end) {
    return std::nullopt;
  }
  return BrokerEndpoint{broker.id, address.substr(0, colon), port, broker.rack};
}

ClusterPlacement::ClusterPlacement(MetadataStore& store, ClusterView& view, int32_t self,
                                   ClusterPlacementOptions options)
    : store_(store), view_(view), self_(self), options_(options) {}

std::string ClusterPlacement::cluster_id() const {
  return view_.snapshot()->cluster_id;
}

int32_t ClusterPlacement::controller() const {
  auto snapshot = view_.snapshot();
  // A controller key whose broker is gone from the registry is on its way out too.
  if (!snapshot->controller || !snapshot->is_live(snapshot->controller->broker)) return -1;
  return snapshot->controller->broker;
}

std::vector<BrokerEndpoint> ClusterPlacement::brokers() const {
  std::vector<BrokerEndpoint> endpoints;
  for (const auto& [id, info] : view_.snapshot()->brokers) {
    if (auto endpoint = endpoint_of(info, "kafka")) endpoints.push_back(std::move(*endpoint));
  }
  return endpoints;
}

std::vector<std::string> ClusterPlacement::topic_names() const {
  std::vector<std::string> names;
  auto snapshot = view_.snapshot();
  for (const auto& [name, view] : snapshot->topics) {
    if (snapshot->topic(name)) names.push_back(name);
  }
  return names;
}

std::optional<TopicPlacement> ClusterPlacement::topic(const std::string& name) const {
  auto snapshot = view_.snapshot();
  const TopicView* view = snapshot->topic(name);
  if (view == nullptr) return std::nullopt;
  TopicPlacement placement{name, {}};
  for (int32_t i = 0; i < view->record.partitions(); ++i) {
    PartitionPlacement partition;
    partition.index = i;
    partition.replicas = view->record.replicas[i];
    for (int32_t replica : partition.replicas) {
      if (!snapshot->is_live(replica)) partition.offline.push_back(replica);
    }
    if (auto it = view->partitions.find(i); it != view->partitions.end()) {
      const PartitionState& state = it->second.state;
      // A leader whose registration is gone cannot answer: say so rather than send clients
      // to it until the controller has moved leadership.
      partition.leader = snapshot->is_live(state.leader) ? state.leader : kNoLeader;
      partition.leader_epoch = state.leader_epoch;
      partition.isr = state.isr;
    }
    placement.partitions.push_back(std::move(partition));
  }
  return placement;
}

std::optional<BrokerEndpoint> ClusterPlacement::group_coordinator(const std::string&) const {
  // Group state and committed offsets are still kept by one broker's local offset store, so
  // every group goes to the same one: the lowest-numbered live broker, which all brokers
  // agree on from the registry.
  auto snapshot = view_.snapshot();
  for (const auto& [id, info] : snapshot->brokers) {
    if (auto endpoint = endpoint_of(info, "kafka")) return endpoint;
  }
  return std::nullopt;
}

PlacementStatus ClusterPlacement::place(
    const ClusterSnapshot& snapshot, int32_t first, int32_t count, int32_t replication_factor,
    const std::vector<std::vector<int32_t>>& explicit_assignment,
    std::vector<std::vector<int32_t>>* replicas) const {
  if (!explicit_assignment.empty()) {
    const size_t factor = explicit_assignment.front().size();
    for (const auto& partition : explicit_assignment) {
      const std::set<int32_t> distinct(partition.begin(), partition.end());
      if (partition.empty() || distinct.size() != partition.size() || partition.size() != factor) {
        return {PlacementErrc::kInvalidReplicaAssignment,
                "every partition needs the same number of distinct replicas"};
      }
      for (int32_t broker : partition) {
        if (!snapshot.is_live(broker)) {
          return {PlacementErrc::kInvalidReplicaAssignment,
                  "broker " + std::to_string(broker) + " is not a live broker"};
        }
      }
    }
    *replicas = explicit_assignment;
    return PlacementStatus::ok();
  }
  const auto live = static_cast<int32_t>(snapshot.brokers.size());
  if (replication_factor == -1) {
    replication_factor = options_.default_replication_factor != -1
                             ? options_.default_replication_factor
                             : std::max(1, std::min(3, live));
  }
  std::vector<AssignableBroker> brokers;
  for (const auto& [id, info] : snapshot.brokers) brokers.push_back({id, info.rack});
  auto assigned =
      assign_replicas(std::move(brokers), count, replication_factor, random_start() + first);
  if (!assigned.is_ok()) {
    return {PlacementErrc::kInvalidReplicationFactor, assigned.status().message()};
  }
  *replicas = std::move(*assigned);
  return PlacementStatus::ok();
}

PlacementStatus ClusterPlacement::create_topic(const NewTopic& topic, bool validate_only) {
  auto snapshot = view_.snapshot();
  if (snapshot->topic(topic.name)) {
    return {PlacementErrc::kTopicExists, "topic '" + topic.name + "' already exists"};
  }
  int32_t partitions = topic.partitions == -1 ? options_.default_partitions : topic.partitions;
  if (!topic.assignment.empty()) partitions = static_cast<int32_t>(topic.assignment.size());
  if (partitions < 1)
    return {PlacementErrc::kInvalidPartitions, "num_partitions must be at least 1"};
  TopicRecord record{topic.name, random_id(), {}, topic.configs};
  if (auto status = place(*snapshot, 0, partitions, topic.replication_factor, topic.assignment,
                          &record.replicas);
      !status.is_ok()) {
    return status;
  }
  if (validate_only) return PlacementStatus::ok();
  auto created = store_.create(view_.keys().topic(topic.name), encode_topic_record(record));
  if (!created.is_ok()) {
    if (created.code() == StoreErrc::kConflict) {
      return {PlacementErrc::kTopicExists, "topic '" + topic.name + "' already exists"};
    }
    return from_store(created.status(), "creating topic '" + topic.name + "'");
  }
  wait_for_leaders(topic.name, partitions);
  return PlacementStatus::ok();
}

PlacementStatus ClusterPlacement::delete_topic(const std::string& name) {
  auto snapshot = view_.snapshot();
  const TopicView* view = snapshot->topic(name);
  if (view == nullptr) return {PlacementErrc::kUnknownTopic, "topic '" + name + "' does not exist"};
  const auto& keys = view_.keys();
  auto removed = store_.txn({Guard{keys.topic(name), view->mod_revision}},
                            {WriteOp::remove(keys.topic(name)),
                             WriteOp::remove_prefix(keys.partitions_prefix() + name + "/")});
  if (!removed.is_ok()) {
    if (removed.code() == StoreErrc::kConflict) {
      return {PlacementErrc::kUnavailable, "topic '" + name + "' changed while deleting it: retry"};
    }
    return from_store(removed.status(), "deleting topic '" + name + "'");
  }
  return PlacementStatus::ok();
}

PlacementStatus ClusterPlacement::add_partitions(
    const std::string& name, int32_t total, const std::vector<std::vector<int32_t>>& assignment,
    bool validate_only) {
  auto snapshot = view_.snapshot();
  const TopicView* view = snapshot->topic(name);
  if (view == nullptr) return {PlacementErrc::kUnknownTopic, "topic '" + name + "' does not exist"};
  const int32_t current = view->record.partitions();
  if (total <= current) {
    return {PlacementErrc::kInvalidPartitions,
            "topic '" + name + "' already has " + std::to_string(current) + " partitions"};
  }
  if (!assignment.empty() && static_cast<int32_t>(assignment.size()) != total - current) {
    return {PlacementErrc::kInvalidReplicaAssignment,
            "an assignment must name the replicas of every new partition"};
  }
  TopicRecord record = view->record;
  std::vector<std::vector<int32_t>> added;
  const auto factor = static_cast<int32_t>(record.replicas.front().size());
  if (auto status = place(*snapshot, current, total - current, factor, assignment, &added);
      !status.is_ok()) {
    return status;
  }
  if (validate_only) return PlacementStatus::ok();
  record.replicas.insert(record.replicas.end(), added.begin(), added.end());
  auto written =
      store_.put_if(view_.keys().topic(name), encode_topic_record(record), view->mod_revision);
  if (!written.is_ok()) {
    if (written.code() == StoreErrc::kConflict) {
      return {PlacementErrc::kUnavailable, "topic '" + name + "' changed meanwhile: retry"};
    }
    return from_store(written.status(), "growing topic '" + name + "'");
  }
  wait_for_leaders(name, total);
  return PlacementStatus::ok();
}

void ClusterPlacement::wait_for_leaders(const std::string& name, int32_t partitions) {
  // Best effort: clients retry LEADER_NOT_AVAILABLE anyway; waiting saves them the round.
  (void)view_.wait_for(
      [&](const ClusterSnapshot& snapshot) {
        for (int32_t i = 0; i < partitions; ++i) {
          const PartitionView* partition = snapshot.partition(name, i);
          if (partition == nullptr || !snapshot.is_live(partition->state.leader)) return false;
        }
        return true;
      },
      options_.leader_wait);
}

}  // namespace sluice::cluster
