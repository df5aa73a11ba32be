// Metadata: this single node is every partition's leader, its only replica and the
// controller (clients send admin requests to controller_id, so it must be a listed broker).
#include "kafka/protocol/messages/metadata_request.h"
#include "kafka/protocol/messages/metadata_response.h"
#include "kafka/server/broker_context.h"

namespace sluice::kafka::server {

using protocol::ErrorCode;
using protocol::MetadataResponse;

namespace {

// REQUIRES: topics to auto-create were created before (auto_create_topics).
MetadataResponse::MetadataResponseTopic describe(BrokerContext& context, const std::string& name) {
  MetadataResponse::MetadataResponseTopic topic;
  topic.name = name;
  ErrorCode error = ErrorCode::kNone;
  if (!find_partition(context, name, 0, false, &error)) {
    topic.error_code = static_cast<int16_t>(error);
    return topic;
  }
  const auto info = context.topics.topic(name);
  if (!info) {
    topic.error_code = static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
    return topic;
  }
  const int32_t node = context.options.node_id;
  for (int32_t i = 0; i < info->partitions; ++i) {
    MetadataResponse::MetadataResponsePartition partition;
    partition.partition_index = i;
    partition.leader_id = node;
    partition.leader_epoch = 0;  // matches the epoch stamped into every batch
    partition.replica_nodes = {node};
    partition.isr_nodes = {node};
    topic.partitions.push_back(std::move(partition));
  }
  return topic;
}

}  // namespace

asio::awaitable<HandlerResult> handle_metadata(BrokerContext& context, Request& request) {
  auto decoded = decode_body<protocol::MetadataRequest>(request);
  if (!decoded.is_ok()) co_return decoded.status();
  const auto& body = *decoded;
  const int16_t version = request.header.api_version;

  MetadataResponse response;
  response.brokers.push_back({context.options.node_id, context.options.advertised_host,
                              context.options.advertised_port, std::nullopt});
  response.cluster_id = context.options.cluster_id;
  response.controller_id = context.options.node_id;

  // v0 asks for every topic with an empty list; v1+ with a null one.
  const bool all_topics = !body.topics || (version == 0 && body.topics->empty());
  // Before v4 there is no flag: Kafka auto-creates for those versions.
  const bool allow_auto_create = version < 4 || body.allow_auto_topic_creation;
  if (all_topics) {
    for (const auto& info : context.topics.topics()) {
      response.topics.push_back(describe(context, info.name));
    }
  } else {
    std::vector<std::string> names;
    for (const auto& requested : *body.topics) names.push_back(requested.name.value_or(""));
    if (allow_auto_create) co_await auto_create_topics(context, names);
    for (const auto& name : names) response.topics.push_back(describe(context, name));
  }
  co_return std::optional<std::string>(encode_body(response, version));
}

}  // namespace sluice::kafka::server
