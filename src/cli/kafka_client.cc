#include "cli/kafka_client.h"

#include <algorithm>

#include "cli/cli_error.h"

namespace sluice::cli {

namespace {

constexpr int kTimeoutMs = static_cast<int>(kRequestTimeout.count());

struct QueueDestroy {
  void operator()(rd_kafka_queue_t* queue) const { rd_kafka_queue_destroy(queue); }
};
struct OptionsDestroy {
  void operator()(rd_kafka_AdminOptions_t* options) const {
    rd_kafka_AdminOptions_destroy(options);
  }
};
// An error code and its message as one text: "TOPIC_ALREADY_EXISTS: topic x exists".
std::string error_text(rd_kafka_resp_err_t code, const char* message) {
  std::string text = rd_kafka_err2name(code);
  if (message != nullptr && *message != '\0') text += std::string(": ") + message;
  return text;
}

// The error of the one topic an admin request named; empty when it succeeded.
std::string topic_failure(const rd_kafka_topic_result_t** results, size_t count) {
  if (count != 1) return "no result returned";
  if (rd_kafka_topic_result_error(results[0]) == RD_KAFKA_RESP_ERR_NO_ERROR) return "";
  return error_text(rd_kafka_topic_result_error(results[0]),
                    rd_kafka_topic_result_error_string(results[0]));
}

std::string resource_failure(const rd_kafka_ConfigResource_t** resources, size_t count) {
  if (count != 1) return "no result returned";
  if (rd_kafka_ConfigResource_error(resources[0]) == RD_KAFKA_RESP_ERR_NO_ERROR) return "";
  return error_text(rd_kafka_ConfigResource_error(resources[0]),
                    rd_kafka_ConfigResource_error_string(resources[0]));
}

PartitionOffsets to_offsets(const rd_kafka_topic_partition_list_t* list) {
  PartitionOffsets offsets;
  for (int i = 0; list != nullptr && i < list->cnt; ++i) {
    const auto& element = list->elems[i];
    offsets[{element.topic, element.partition}] = element.offset;
  }
  return offsets;
}

}  // namespace

KafkaClient::KafkaClient(const std::string& brokers, rd_kafka_type_t type,
                         const std::map<std::string, std::string>& extra,
                         DeliveryCallback on_delivery)
    : brokers_(brokers) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (on_delivery != nullptr) rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  // Failures reach the user as one CliError; librdkafka's own log lines would only repeat them.
  rd_kafka_conf_set_log_cb(conf, nullptr);
  char error[512];
  std::map<std::string, std::string> settings = {
      {"bootstrap.servers", brokers}, {"client.id", "sluice-cli"}, {"log_level", "3"}};
  for (const auto& [key, value] : extra) settings[key] = value;
  for (const auto& [key, value] : settings) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof(error)) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw usage_error(key + "=" + value + ": " + error);
    }
  }
  rd_kafka_t* handle = rd_kafka_new(type, conf, error, sizeof(error));
  if (handle == nullptr) throw usage_error(std::string("--brokers ") + brokers + ": " + error);
  handle_.reset(handle);
  const rd_kafka_metadata_t* metadata = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(handle, 0, nullptr, &metadata, kTimeoutMs);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw CliError("cannot reach the Kafka listener at " + brokers + " (" + rd_kafka_err2str(err) +
                   "): is `sluice serve` running there? Set --brokers or SLUICE_BROKERS.");
  }
  rd_kafka_metadata_destroy(metadata);
}

void KafkaClient::fail(const std::string& what, const std::string& error) const {
  throw CliError(what + " failed on broker " + brokers_ + ": " + error);
}

template <typename Start>
rd_kafka_event_t* KafkaClient::admin(rd_kafka_admin_op_t op, const std::string& what,
                                     Start start) const {
  std::unique_ptr<rd_kafka_queue_t, QueueDestroy> queue(rd_kafka_queue_new(handle()));
  std::unique_ptr<rd_kafka_AdminOptions_t, OptionsDestroy> options(
      rd_kafka_AdminOptions_new(handle(), op));
  char error[512];
  rd_kafka_AdminOptions_set_request_timeout(options.get(), kTimeoutMs, error, sizeof(error));
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS ||
      op == RD_KAFKA_ADMIN_OP_CREATEPARTITIONS) {
    rd_kafka_AdminOptions_set_operation_timeout(options.get(), kTimeoutMs, error, sizeof(error));
  }
  start(options.get(), queue.get());
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue.get(), kTimeoutMs + 5000);
  if (event == nullptr) fail(what, "no answer within " + std::to_string(kTimeoutMs / 1000) + "s");
  if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const std::string text =
        error_text(rd_kafka_event_error(event), rd_kafka_event_error_string(event));
    rd_kafka_event_destroy(event);
    fail(what, text);
  }
  return event;
}

ClusterInfo KafkaClient::metadata(const std::optional<std::string>& topic) const {
  // Always every topic: naming one in a producer's Metadata request would ask the broker to
  // auto-create it, and describing a topic must not create it.
  const rd_kafka_metadata_t* metadata = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(handle(), 1, nullptr, &metadata, kTimeoutMs);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) fail("Metadata", rd_kafka_err2str(err));
  ClusterInfo info;
  for (int i = 0; i < metadata->broker_cnt; ++i) {
    info.brokers.push_back(
        {metadata->brokers[i].id, metadata->brokers[i].host, metadata->brokers[i].port});
  }
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const auto& source = metadata->topics[i];
    if (topic && *topic != source.topic) continue;
    TopicInfo topic_info{source.topic, {}};
    for (int p = 0; p < source.partition_cnt; ++p) {
      const auto& partition = source.partitions[p];
      PartitionInfo partition_info{partition.id, partition.leader, {}, {}};
      partition_info.replicas.assign(partition.replicas,
                                     partition.replicas + partition.replica_cnt);
      partition_info.in_sync.assign(partition.isrs, partition.isrs + partition.isr_cnt);
      topic_info.partitions.push_back(std::move(partition_info));
    }
    std::sort(topic_info.partitions.begin(), topic_info.partitions.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
    info.topics.push_back(std::move(topic_info));
  }
  rd_kafka_metadata_destroy(metadata);
  if (topic && info.topics.empty()) {
    throw CliError("topic '" + *topic + "' does not exist on broker " + brokers_ +
                   " (see `sluice topic list`)");
  }
  std::sort(info.topics.begin(), info.topics.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return info;
}

std::pair<int64_t, int64_t> KafkaClient::watermarks(const std::string& topic,
                                                    int32_t partition) const {
  int64_t low = -1;
  int64_t high = -1;
  const rd_kafka_resp_err_t err =
      rd_kafka_query_watermark_offsets(handle(), topic.c_str(), partition, &low, &high, kTimeoutMs);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    fail("ListOffsets of " + topic + "/" + std::to_string(partition), rd_kafka_err2str(err));
  }
  return {low, high};
}

PartitionOffsets KafkaClient::offsets_for_time(const std::string& topic,
                                               const std::vector<int32_t>& ids,
                                               int64_t timestamp_ms) const {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(ids.size())));
  for (int32_t id : ids) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), id)->offset = timestamp_ms;
  }
  const rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(handle(), list.get(), kTimeoutMs);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    fail("ListOffsets by time of " + topic, rd_kafka_err2str(err));
  }
  return to_offsets(list.get());
}

template <typename Request, typename Send, typename ResultsOf>
void KafkaClient::topic_request(rd_kafka_admin_op_t op, const std::string& what, Request* request,
                                void (*destroy)(Request*), Send send, ResultsOf results_of) const {
  std::unique_ptr<Request, void (*)(Request*)> owned(request, destroy);
  rd_kafka_event_t* event =
      admin(op, what, [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
        send(handle(), &request, 1, options, queue);
      });
  size_t count = 0;
  const rd_kafka_topic_result_t** results = results_of(event, &count);
  const std::string failure = topic_failure(results, count);
  rd_kafka_event_destroy(event);
  if (!failure.empty()) fail(what, failure);
}

void KafkaClient::create_topic(const std::string& name, int partitions,
                               const std::map<std::string, std::string>& configs) const {
  char error[512];
  rd_kafka_NewTopic_t* topic =
      rd_kafka_NewTopic_new(name.c_str(), partitions, -1, error, sizeof(error));
  if (topic == nullptr) throw usage_error("topic '" + name + "': " + error);
  for (const auto& [key, value] : configs) {
    rd_kafka_NewTopic_set_config(topic, key.c_str(), value.c_str());
  }
  topic_request(RD_KAFKA_ADMIN_OP_CREATETOPICS, "CreateTopics of '" + name + "'", topic,
                rd_kafka_NewTopic_destroy, rd_kafka_CreateTopics,
                [](rd_kafka_event_t* event, size_t* count) {
                  return rd_kafka_CreateTopics_result_topics(
                      rd_kafka_event_CreateTopics_result(event), count);
                });
}

void KafkaClient::delete_topic(const std::string& name) const {
  topic_request(RD_KAFKA_ADMIN_OP_DELETETOPICS, "DeleteTopics of '" + name + "'",
                rd_kafka_DeleteTopic_new(name.c_str()), rd_kafka_DeleteTopic_destroy,
                rd_kafka_DeleteTopics, [](rd_kafka_event_t* event, size_t* count) {
                  return rd_kafka_DeleteTopics_result_topics(
                      rd_kafka_event_DeleteTopics_result(event), count);
                });
}

void KafkaClient::create_partitions(const std::string& name, int total) const {
  char error[512];
  rd_kafka_NewPartitions_t* partitions =
      rd_kafka_NewPartitions_new(name.c_str(), static_cast<size_t>(total), error, sizeof(error));
  if (partitions == nullptr) throw usage_error("topic '" + name + "': " + error);
  topic_request(RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, "CreatePartitions of '" + name + "'",
                partitions, rd_kafka_NewPartitions_destroy, rd_kafka_CreatePartitions,
                [](rd_kafka_event_t* event, size_t* count) {
                  return rd_kafka_CreatePartitions_result_topics(
                      rd_kafka_event_CreatePartitions_result(event), count);
                });
}

std::map<std::string, ConfigEntry> KafkaClient::topic_configs(const std::string& name) const {
  rd_kafka_ConfigResource_t* resource =
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str());
  rd_kafka_event_t* event =
      admin(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, "DescribeConfigs of '" + name + "'",
            [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
              rd_kafka_DescribeConfigs(handle(), &resource, 1, options, queue);
            });
  rd_kafka_ConfigResource_destroy(resource);
  size_t count = 0;
  const rd_kafka_ConfigResource_t** resources = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(event), &count);
  std::map<std::string, ConfigEntry> configs;
  const std::string failure = resource_failure(resources, count);
  if (failure.empty()) {
    size_t entries = 0;
    const rd_kafka_ConfigEntry_t** list = rd_kafka_ConfigResource_configs(resources[0], &entries);
    for (size_t i = 0; i < entries; ++i) {
      const char* value = rd_kafka_ConfigEntry_value(list[i]);
      configs[rd_kafka_ConfigEntry_name(list[i])] = {
          value ? value : "", rd_kafka_ConfigEntry_is_default(list[i]) != 0,
          rd_kafka_ConfigEntry_is_read_only(list[i]) != 0};
    }
  }
  rd_kafka_event_destroy(event);
  if (!failure.empty()) fail("DescribeConfigs of '" + name + "'", failure);
  return configs;
}

void KafkaClient::set_topic_configs(const std::string& name,
                                    const std::map<std::string, std::string>& overrides) const {
  rd_kafka_ConfigResource_t* resource =
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str());
  for (const auto& [key, value] : overrides) {
    rd_kafka_ConfigResource_set_config(resource, key.c_str(), value.c_str());
  }
  rd_kafka_event_t* event = admin(RD_KAFKA_ADMIN_OP_ALTERCONFIGS, "AlterConfigs of '" + name + "'",
                                  [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
                                    rd_kafka_AlterConfigs(handle(), &resource, 1, options, queue);
                                  });
  rd_kafka_ConfigResource_destroy(resource);
  size_t count = 0;
  const rd_kafka_ConfigResource_t** resources =
      rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(event), &count);
  const std::string failure = resource_failure(resources, count);
  rd_kafka_event_destroy(event);
  if (!failure.empty()) fail("AlterConfigs of '" + name + "'", failure);
}

std::vector<std::pair<std::string, std::string>> KafkaClient::list_groups() const {
  rd_kafka_event_t* event = admin(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, "ListGroups",
                                  [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
                                    rd_kafka_ListConsumerGroups(handle(), options, queue);
                                  });
  const auto* result = rd_kafka_event_ListConsumerGroups_result(event);
  size_t count = 0;
  const rd_kafka_ConsumerGroupListing_t** listings =
      rd_kafka_ListConsumerGroups_result_valid(result, &count);
  std::vector<std::pair<std::string, std::string>> groups;
  for (size_t i = 0; i < count; ++i) {
    groups.emplace_back(
        rd_kafka_ConsumerGroupListing_group_id(listings[i]),
        rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(listings[i])));
  }
  size_t error_count = 0;
  const rd_kafka_error_t** errors = rd_kafka_ListConsumerGroups_result_errors(result, &error_count);
  const std::string failure = error_count > 0 ? rd_kafka_error_string(errors[0]) : "";
  rd_kafka_event_destroy(event);
  if (!failure.empty()) fail("ListGroups", failure);
  std::sort(groups.begin(), groups.end());
  return groups;
}

GroupInfo KafkaClient::describe_group(const std::string& group) const {
  const char* name = group.c_str();
  rd_kafka_event_t* event =
      admin(RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, "DescribeGroups of '" + group + "'",
            [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
              rd_kafka_DescribeConsumerGroups(handle(), &name, 1, options, queue);
            });
  size_t count = 0;
  const rd_kafka_ConsumerGroupDescription_t** groups =
      rd_kafka_DescribeConsumerGroups_result_groups(
          rd_kafka_event_DescribeConsumerGroups_result(event), &count);
  GroupInfo info{group, "", "", {}};
  std::string failure = count == 1 ? "" : "no description returned";
  if (count == 1 && rd_kafka_ConsumerGroupDescription_error(groups[0]) != nullptr) {
    failure = rd_kafka_error_string(rd_kafka_ConsumerGroupDescription_error(groups[0]));
  } else if (count == 1) {
    const auto* description = groups[0];
    info.state =
        rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(description));
    if (!rd_kafka_ConsumerGroupDescription_is_simple_consumer_group(description)) {
      info.protocol_type = "consumer";
    }
    for (size_t m = 0; m < rd_kafka_ConsumerGroupDescription_member_count(description); ++m) {
      const auto* member = rd_kafka_ConsumerGroupDescription_member(description, m);
      MemberInfo member_info{rd_kafka_MemberDescription_consumer_id(member),
                             rd_kafka_MemberDescription_client_id(member),
                             rd_kafka_MemberDescription_host(member),
                             {}};
      const auto* partitions =
          rd_kafka_MemberAssignment_partitions(rd_kafka_MemberDescription_assignment(member));
      for (int i = 0; partitions != nullptr && i < partitions->cnt; ++i) {
        member_info.assignment.emplace_back(partitions->elems[i].topic,
                                            partitions->elems[i].partition);
      }
      info.members.push_back(std::move(member_info));
    }
  }
  rd_kafka_event_destroy(event);
  if (!failure.empty()) fail("DescribeGroups of '" + group + "'", failure);
  return info;
}

void KafkaClient::delete_group(const std::string& group) const {
  rd_kafka_DeleteGroup_t* request = rd_kafka_DeleteGroup_new(group.c_str());
  rd_kafka_event_t* event = admin(RD_KAFKA_ADMIN_OP_DELETEGROUPS, "DeleteGroups of '" + group + "'",
                                  [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
                                    rd_kafka_DeleteGroups(handle(), &request, 1, options, queue);
                                  });
  rd_kafka_DeleteGroup_destroy(request);
  size_t count = 0;
  const rd_kafka_group_result_t** results =
      rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(event), &count);
  std::string failure;
  if (count == 1 && rd_kafka_group_result_error(results[0]) != nullptr) {
    failure = rd_kafka_error_name(rd_kafka_group_result_error(results[0]));
  }
  rd_kafka_event_destroy(event);
  if (!failure.empty()) fail("DeleteGroups of '" + group + "'", failure);
}

namespace {

// The partitions of the one group a group admin request named, or null with *failure set to
// the group's error (and, when `partition_errors_fail`, to the first partition's error).
const rd_kafka_topic_partition_list_t* group_partitions(const rd_kafka_group_result_t** results,
                                                        size_t count, bool partition_errors_fail,
                                                        std::string* failure) {
  if (count != 1) return nullptr;
  if (const rd_kafka_error_t* error = rd_kafka_group_result_error(results[0])) {
    *failure = rd_kafka_error_string(error);
    return nullptr;
  }
  const rd_kafka_topic_partition_list_t* partitions = rd_kafka_group_result_partitions(results[0]);
  for (int i = 0; partition_errors_fail && partitions != nullptr && i < partitions->cnt; ++i) {
    const rd_kafka_topic_partition_t& partition = partitions->elems[i];
    if (partition.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      *failure = std::string(partition.topic) + "/" + std::to_string(partition.partition) + ": " +
                 rd_kafka_err2name(partition.err);
      return nullptr;
    }
  }
  return partitions;
}

}  // namespace

PartitionOffsets KafkaClient::committed_offsets(const std::string& group) const {
  // Every partition of every topic, named: librdkafka 2.0's "all partitions" form (a null
  // list) came back empty from brokers that answer kafka-python's null list fine.
  PartitionList partitions(rd_kafka_topic_partition_list_new(0));
  for (const auto& topic : metadata().topics) {
    for (const auto& partition : topic.partitions) {
      rd_kafka_topic_partition_list_add(partitions.get(), topic.name.c_str(), partition.id);
    }
  }
  rd_kafka_ListConsumerGroupOffsets_t* request =
      rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), partitions.get());
  rd_kafka_event_t* event =
      admin(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, "OffsetFetch of '" + group + "'",
            [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
              rd_kafka_ListConsumerGroupOffsets(handle(), &request, 1, options, queue);
            });
  rd_kafka_ListConsumerGroupOffsets_destroy(request);
  size_t count = 0;
  const rd_kafka_group_result_t** results = rd_kafka_ListConsumerGroupOffsets_result_groups(
      rd_kafka_event_ListConsumerGroupOffsets_result(event), &count);
  PartitionOffsets offsets;
  std::string failure;
  if (const auto* partitions = group_partitions(results, count, false, &failure)) {
    offsets = to_offsets(partitions);
  }
  rd_kafka_event_destroy(event);
  if (!failure.empty()) fail("OffsetFetch of '" + group + "'", failure);
  // Partitions without a committed offset come back as -1 (INVALID): not committed.
  std::erase_if(offsets, [](const auto& entry) { return entry.second < 0; });
  return offsets;
}

void KafkaClient::commit_group_offsets(const std::string& group,
                                       const PartitionOffsets& offsets) const {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& [partition, offset] : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), partition.first.c_str(), partition.second)
        ->offset = offset;
  }
  rd_kafka_AlterConsumerGroupOffsets_t* request =
      rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get());
  rd_kafka_event_t* event =
      admin(RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, "OffsetCommit of '" + group + "'",
            [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
              rd_kafka_AlterConsumerGroupOffsets(handle(), &request, 1, options, queue);
            });
  rd_kafka_AlterConsumerGroupOffsets_destroy(request);
  size_t count = 0;
  const rd_kafka_group_result_t** results = rd_kafka_AlterConsumerGroupOffsets_result_groups(
      rd_kafka_event_AlterConsumerGroupOffsets_result(event), &count);
  std::string failure;
  group_partitions(results, count, true, &failure);
  rd_kafka_event_destroy(event);
  if (!failure.empty()) fail("OffsetCommit of '" + group + "'", failure);
}

}  // namespace sluice::cli
