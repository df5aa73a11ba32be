// The records cluster mode keeps per topic and per partition in the metadata store, as JSON.
//
//   topics/<name>            TopicRecord: the replica list of every partition (the first
//                            replica is the preferred leader) and the config overrides.
//   partitions/<name>/<i>    PartitionState: the leader, its epoch and the in-sync replicas.
//   isr_changes/<name>/<i>   IsrChange: the leader's request for a new ISR.
//
// The leader epoch is the fencing token of a partition: the controller bumps it on every
// leader change, brokers stamp it into the batches they write as leader, and a broker acts
// on a state only if its epoch is not older than the one it last saw.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice::cluster {

struct TopicRecord {
  std::string name;
  // Random, given at creation: tells this topic from an earlier one of the same name (as
  // Kafka's topic ids, KIP-516).
  std::string id;
  // replicas[i]: the brokers holding partition i, preferred leader first.
  std::vector<std::vector<int32_t>> replicas;
  std::map<std::string, std::string> configs;

  int32_t partitions() const { return static_cast<int32_t>(replicas.size()); }
  bool operator==(const TopicRecord&) const = default;
};

inline constexpr int32_t kNoLeader = -1;

struct PartitionState {
  int32_t leader = kNoLeader;  // kNoLeader: offline (no in-sync replica is alive)
  int32_t leader_epoch = 0;
  std::vector<int32_t> isr;
  bool operator==(const PartitionState&) const = default;
};

// A leader's request for a new in-sync set, valid only against the state it was based on:
// the same leader and epoch, and the state's mod revision (so that a request left over
// from an older state is never applied).
struct IsrChange {
  int32_t leader = kNoLeader;
  int32_t leader_epoch = 0;
  std::vector<int32_t> isr;
  int64_t base_revision = 0;
  bool operator==(const IsrChange&) const = default;
};

std::string encode_topic_record(const TopicRecord& record);
// nullopt when `json` is not a topic record.
std::optional<TopicRecord> decode_topic_record(const std::string& json);

std::string encode_partition_state(const PartitionState& state);
std::optional<PartitionState> decode_partition_state(const std::string& json);

std::string encode_isr_change(const IsrChange& change);
std::optional<IsrChange> decode_isr_change(const std::string& json);

}  // namespace sluice::cluster
