// Metadata: the live brokers, the controller, and each partition's leader, replicas and
// in-sync replicas, as the placement says (the single node's, or the cluster's).
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
  if (!topics::validate_topic_name(name).is_ok()) {
    topic.error_code = static_cast<int16_t>(ErrorCode::kInvalidTopicException);
    return topic;
  }
  const auto placed = context.placement.topic(name);
  if (!placed) {
    topic.error_code = static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
    return topic;
  }
  for (const auto& placement : placed->partitions) {
    MetadataResponse::MetadataResponsePartition partition;
    partition.partition_index = placement.index;
    partition.leader_id = placement.leader;
    partition.leader_epoch = placement.leader_epoch;
    partition.replica_nodes = placement.replicas;
    partition.isr_nodes = placement.isr;
    partition.offline_replicas = placement.offline;
    // Clients retry this one: a leader is being elected, or will be once a replica is back.
    if (placement.leader < 0) {
      partition.error_code = static_cast<int16_t>(ErrorCode::kLeaderNotAvailable);
    }
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
  for (const auto& broker : context.placement.brokers()) {
    response.brokers.push_back(
        {broker.id, broker.host, broker.port,
         broker.rack.empty() ? std::nullopt : std::optional<std::string>(broker.rack)});
  }
  response.cluster_id = context.placement.cluster_id();
  // Clients send admin requests to controller_id; with none elected right now, any broker
  // takes them (they go through the metadata store), so name this one.
  const int32_t controller = context.placement.controller();
  response.controller_id = controller >= 0 ? controller : context.placement.self();

  // v0 asks for every topic with an empty list; v1+ with a null one.
  const bool all_topics = !body.topics || (version == 0 && body.topics->empty());
  // Before v4 there is no flag: Kafka auto-creates for those versions.
  const bool allow_auto_create = version < 4 || body.allow_auto_topic_creation;
  if (all_topics) {
    for (const auto& name : context.placement.topic_names()) {
      response.topics.push_back(describe(context, name));
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
