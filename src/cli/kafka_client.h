// The CLI's Kafka side: librdkafka (a real Kafka client, so the CLI exercises the broker the
// way users' applications do) wrapped into blocking calls that throw CliError with a message
// naming the broker and the entity.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sluice::cli {

struct BrokerInfo {
  int32_t id = 0;
  std::string host;
  int port = 0;
};

struct PartitionInfo {
  int32_t id = 0;
  int32_t leader = -1;
  std::vector<int32_t> replicas;
  std::vector<int32_t> in_sync;
};

struct TopicInfo {
  std::string name;
  std::vector<PartitionInfo> partitions;
};

struct ClusterInfo {
  std::vector<BrokerInfo> brokers;
  std::vector<TopicInfo> topics;
};

struct ConfigEntry {
  std::string value;
  bool is_default = false;
  bool read_only = false;
};

struct MemberInfo {
  std::string member_id;
  std::string client_id;
  std::string host;
  std::vector<std::pair<std::string, int32_t>> assignment;  // topic, partition
};

struct GroupInfo {
  std::string group_id;
  std::string state;
  std::string protocol_type;  // empty for groups with offsets but no members (simple groups)
  std::vector<MemberInfo> members;
};

// Owns a librdkafka partition list.
struct PartitionListDestroy {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDestroy>;

using PartitionOffsets = std::map<std::pair<std::string, int32_t>, int64_t>;

class KafkaClient {
 public:
  // Connects a client of `type` (RD_KAFKA_PRODUCER for admin, produce and metadata;
  // RD_KAFKA_CONSUMER for consume) with `extra` librdkafka settings, and checks that the
  // brokers answer within the timeout. `on_delivery`, for producers, gets each record's
  // delivery report.
  using DeliveryCallback = void (*)(rd_kafka_t*, const rd_kafka_message_t*, void*);
  KafkaClient(const std::string& brokers, rd_kafka_type_t type = RD_KAFKA_PRODUCER,
              const std::map<std::string, std::string>& extra = {},
              DeliveryCallback on_delivery = nullptr);
  KafkaClient(const KafkaClient&) = delete;
  KafkaClient& operator=(const KafkaClient&) = delete;

  rd_kafka_t* handle() const { return handle_.get(); }
  const std::string& brokers() const { return brokers_; }

  // Every topic, or just `topic` (CliError naming it when it does not exist).
  ClusterInfo metadata(const std::optional<std::string>& topic = std::nullopt) const;
  std::pair<int64_t, int64_t> watermarks(const std::string& topic, int32_t partition) const;
  // The first offset at or after `timestamp_ms` per partition (-1: none, the end).
  PartitionOffsets offsets_for_time(const std::string& topic, const std::vector<int32_t>& ids,
                                    int64_t timestamp_ms) const;

  void create_topic(const std::string& name, int partitions,
                    const std::map<std::string, std::string>& configs) const;
  void delete_topic(const std::string& name) const;
  void create_partitions(const std::string& name, int total) const;
  std::map<std::string, ConfigEntry> topic_configs(const std::string& name) const;
  // Replaces the topic's overrides with `overrides` (AlterConfigs; librdkafka 2.0 has no
  // incremental variant, so callers merge with topic_configs first).
  void set_topic_configs(const std::string& name,
                         const std::map<std::string, std::string>& overrides) const;

  std::vector<std::pair<std::string, std::string>> list_groups() const;  // id, state
  GroupInfo describe_group(const std::string& group) const;
  void delete_group(const std::string& group) const;
  PartitionOffsets committed_offsets(const std::string& group) const;
  void commit_group_offsets(const std::string& group, const PartitionOffsets& offsets) const;

 private:
  struct Destroy {
    void operator()(rd_kafka_t* handle) const { rd_kafka_destroy(handle); }
  };
  // Runs one admin request: `start` issues it on the given queue with the given options;
  // returns the result event, which the caller must destroy.
  template <typename Start>
  rd_kafka_event_t* admin(rd_kafka_admin_op_t op, const std::string& what, Start start) const;
  // An admin request about one topic answered with topic results (CreateTopics, DeleteTopics,
  // CreatePartitions); takes ownership of `request`.
  template <typename Request, typename Send, typename ResultsOf>
  void topic_request(rd_kafka_admin_op_t op, const std::string& what, Request* request,
                     void (*destroy)(Request*), Send send, ResultsOf results_of) const;
  [[noreturn]] void fail(const std::string& what, const std::string& error) const;

  std::string brokers_;
  std::unique_ptr<rd_kafka_t, Destroy> handle_;
};

// How long each request to the broker may take before the CLI gives up.
inline constexpr std::chrono::milliseconds kRequestTimeout{10000};

}  // namespace sluice::cli
