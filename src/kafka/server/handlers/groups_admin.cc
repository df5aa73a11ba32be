// DeleteGroups and OffsetDelete: removing consumer groups, or some of their committed
// offsets, the way `kafka-consumer-groups.sh --delete` and `--delete-offsets` do.
#include "kafka/protocol/consumer_protocol.h"
#include "kafka/protocol/messages/delete_groups_request.h"
#include "kafka/protocol/messages/delete_groups_response.h"
#include "kafka/protocol/messages/offset_delete_request.h"
#include "kafka/protocol/messages/offset_delete_response.h"
#include "kafka/server/broker_context.h"

namespace sluice::kafka::server {

using protocol::ErrorCode;

namespace {

// Members of "consumer" groups name their topics in the consumer protocol; a subscription
// that does not parse names none, as Kafka treats it.
std::vector<std::string> consumer_topics(const std::string& protocol_type,
                                         const std::string& metadata) {
  if (protocol_type != "consumer") return {};
  auto topics = protocol::decode_subscription_topics(metadata);
  return topics.is_ok() ? std::move(*topics) : std::vector<std::string>();
}

}  // namespace

asio::awaitable<HandlerResult> handle_delete_groups(BrokerContext& context, Request& request) {
  auto decoded = decode_body<protocol::DeleteGroupsRequest>(request);
  if (!decoded.is_ok()) co_return decoded.status();
  protocol::DeleteGroupsResponse response;
  // Jobs keep references to results: no reallocation once they are handed out.
  response.results.reserve(decoded->groups_names.size());
  std::vector<std::function<void()>> jobs;
  for (const auto& group_id : decoded->groups_names) {
    auto& result = response.results.emplace_back();
    result.group_id = group_id;
    if (group_id.empty()) {
      result.error_code = static_cast<int16_t>(ErrorCode::kInvalidGroupId);
      continue;
    }
    // Deleting the offsets waits for fsync: on the blocking pool.
    jobs.emplace_back([&context, &result] {
      result.error_code = wire_error_code(context.groups.delete_group(result.group_id));
    });
  }
  co_await run_blocking(context.blocking_pool, std::move(jobs));
  co_return std::optional<std::string>(encode_body(response, request.header.api_version));
}

asio::awaitable<HandlerResult> handle_offset_delete(BrokerContext& context, Request& request) {
  auto decoded = decode_body<protocol::OffsetDeleteRequest>(request);
  if (!decoded.is_ok()) co_return decoded.status();
  const auto& body = *decoded;
  protocol::OffsetDeleteResponse response;
  if (body.group_id.empty()) {
    response.error_code = static_cast<int16_t>(ErrorCode::kInvalidGroupId);
    co_return std::optional<std::string>(encode_body(response, request.header.api_version));
  }
  std::vector<groups::TopicPartition> partitions;
  for (const auto& topic : body.topics) {
    for (const auto& partition : topic.partitions) {
      partitions.push_back({topic.name, partition.partition_index});
    }
  }
  groups::OffsetDeleteResult result;
  std::vector<std::function<void()>> jobs;
  jobs.emplace_back(
      [&] { result = context.groups.delete_offsets(body.group_id, partitions, consumer_topics); });
  co_await run_blocking(context.blocking_pool, std::move(jobs));

  response.error_code = wire_error_code(result.error);
  if (result.error == groups::GroupError::kNone) {
    size_t next = 0;
    for (const auto& topic : body.topics) {
      auto& topic_response = response.topics.emplace_back();
      topic_response.name = topic.name;
      for (const auto& partition : topic.partitions) {
        // Kafka answers UNKNOWN_TOPIC_OR_PARTITION for partitions that do not exist.
        const bool exists =
            context.topics.partition(topic.name, partition.partition_index) != nullptr;
        const int16_t error = exists ? wire_error_code(result.partitions[next])
                                     : static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
        topic_response.partitions.push_back({partition.partition_index, error});
        ++next;
      }
    }
  }
  co_return std::optional<std::string>(encode_body(response, request.header.api_version));
}

}  // namespace sluice::kafka::server
