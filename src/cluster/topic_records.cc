#include "cluster/topic_records.h"

#include <nlohmann/json.hpp>

namespace sluice::cluster {

namespace {

bool is_broker_list(const nlohmann::json& json) {
  if (!json.is_array()) return false;
  for (const auto& id : json) {
    if (!id.is_number_integer()) return false;
  }
  return true;
}

}  // namespace

std::string encode_topic_record(const TopicRecord& record) {
  nlohmann::json json = {{"name", record.name},
                         {"id", record.id},
                         {"replicas", record.replicas},
                         {"configs", record.configs}};
  return json.dump();
}

std::optional<TopicRecord> decode_topic_record(const std::string& text) {
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_object() || !json.contains("name") || !json["name"].is_string()) {
    return std::nullopt;
  }
  TopicRecord record;
  record.name = json["name"].get<std::string>();
  if (json.contains("id") && json["id"].is_string()) record.id = json["id"].get<std::string>();
  auto replicas = json.find("replicas");
  if (replicas == json.end() || !replicas->is_array() || replicas->empty()) return std::nullopt;
  for (const auto& partition : *replicas) {
    if (!is_broker_list(partition) || partition.empty()) return std::nullopt;
    record.replicas.push_back(partition.get<std::vector<int32_t>>());
  }
  auto configs = json.find("configs");
  if (configs != json.end() && configs->is_object()) {
    for (const auto& [key, value] : configs->items()) {
      if (value.is_string()) record.configs[key] = value.get<std::string>();
    }
  }
  return record;
}

std::string encode_partition_state(const PartitionState& state) {
  nlohmann::json json = {
      {"leader", state.leader}, {"leader_epoch", state.leader_epoch}, {"isr", state.isr}};
  return json.dump();
}

std::optional<PartitionState> decode_partition_state(const std::string& text) {
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_object()) return std::nullopt;
  auto leader = json.find("leader");
  auto epoch = json.find("leader_epoch");
  auto isr = json.find("isr");
  if (leader == json.end() || !leader->is_number_integer() || epoch == json.end() ||
      !epoch->is_number_integer() || isr == json.end() || !is_broker_list(*isr)) {
    return std::nullopt;
  }
  PartitionState state;
  state.leader = leader->get<int32_t>();
  state.leader_epoch = epoch->get<int32_t>();
  state.isr = isr->get<std::vector<int32_t>>();
  return state;
}

std::string encode_isr_change(const IsrChange& change) {
  nlohmann::json json = {{"leader", change.leader},
                         {"leader_epoch", change.leader_epoch},
                         {"isr", change.isr},
                         {"base_revision", change.base_revision}};
  return json.dump();
}

std::optional<IsrChange> decode_isr_change(const std::string& text) {
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_object()) return std::nullopt;
  auto leader = json.find("leader");
  auto epoch = json.find("leader_epoch");
  auto isr = json.find("isr");
  auto base = json.find("base_revision");
  if (leader == json.end() || !leader->is_number_integer() || epoch == json.end() ||
      !epoch->is_number_integer() || isr == json.end() || !is_broker_list(*isr) ||
      base == json.end() || !base->is_number_integer()) {
    return std::nullopt;
  }
  IsrChange change;
  change.leader = leader->get<int32_t>();
  change.leader_epoch = epoch->get<int32_t>();
  change.isr = isr->get<std::vector<int32_t>>();
  change.base_revision = base->get<int64_t>();
  return change;
}

}  // namespace sluice::cluster
