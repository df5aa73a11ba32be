// CreateTopics and DeleteTopics. The request's shape and the configs are checked here;
// partition counts, replication factors and assignments by the placement, which knows the
// brokers (a single node has one replica to give: a factor above 1 is refused with
// INVALID_REPLICATION_FACTOR rather than silently lowered).
#include <map>

#include "kafka/protocol/messages/create_topics_request.h"
#include "kafka/protocol/messages/create_topics_response.h"
#include "kafka/protocol/messages/delete_topics_request.h"
#include "kafka/protocol/messages/delete_topics_response.h"
#include "kafka/server/broker_context.h"

namespace sluice::kafka::server {

using protocol::ErrorCode;

namespace {

// Checks what only the request itself can say of one topic, and gathers it as a NewTopic.
ErrorCode check_request(const protocol::CreateTopicsRequest::CreatableTopic& topic,
                        cluster::NewTopic* out, std::string* why) {
  if (Status status = topics::validate_topic_name(topic.name); !status.is_ok()) {
    *why = status.message();
    return ErrorCode::kInvalidTopicException;
  }
  out->name = topic.name;
  if (!topic.assignments.empty()) {
    if (topic.num_partitions != -1 || topic.replication_factor != -1) {
      *why = "give either assignments or num_partitions and replication_factor, not both";
      return ErrorCode::kInvalidRequest;
    }
    for (const auto& assignment : topic.assignments) {
      out->assignment.push_back(assignment.broker_ids);
    }
  } else {
    out->partitions = topic.num_partitions;
    out->replication_factor = topic.replication_factor;
  }
  for (const auto& config : topic.configs) {
    if (config.value) out->configs[config.name] = *config.value;
  }
  if (Status status = topics::validate_topic_configs(out->configs); !status.is_ok()) {
    *why = status.message();
    return ErrorCode::kInvalidConfig;
  }
  return ErrorCode::kNone;
}

}  // namespace

asio::awaitable<HandlerResult> handle_create_topics(BrokerContext& context, Request& request) {
  auto decoded = decode_body<protocol::CreateTopicsRequest>(request);
  if (!decoded.is_ok()) co_return decoded.status();
  std::map<std::string, int> occurrences;
  for (const auto& topic : decoded->topics) ++occurrences[topic.name];

  protocol::CreateTopicsResponse response;
  // Jobs keep references to results: no reallocation once they are handed out.
  response.topics.reserve(decoded->topics.size());
  // Creating a topic writes and fsyncs its topic.json, or writes to the metadata store: on
  // the blocking pool.
  std::vector<std::function<void()>> jobs;
  const bool validate_only = decoded->validate_only;
  for (const auto& topic : decoded->topics) {
    auto& result = response.topics.emplace_back();
    result.name = topic.name;
    result.error_message = std::nullopt;
    cluster::NewTopic wanted;
    std::string why;
    ErrorCode error = ErrorCode::kNone;
    if (occurrences[topic.name] > 1) {
      error = ErrorCode::kInvalidRequest;
      why = "topic '" + topic.name + "' appears more than once in the request";
    } else {
      error = check_request(topic, &wanted, &why);
    }
    result.error_code = static_cast<int16_t>(error);
    if (error != ErrorCode::kNone) {
      result.error_message = why;
      continue;
    }
    jobs.emplace_back([&context, &result, validate_only, wanted = std::move(wanted)] {
      const cluster::PlacementStatus status = context.placement.create_topic(wanted, validate_only);
      if (status.is_ok()) return;
      result.error_code = static_cast<int16_t>(error_code_for(status.code));
      result.error_message = status.message;
    });
  }
  co_await run_blocking(context.blocking_pool, std::move(jobs));
  co_return std::optional<std::string>(encode_body(response, request.header.api_version));
}

asio::awaitable<HandlerResult> handle_delete_topics(BrokerContext& context, Request& request) {
  auto decoded = decode_body<protocol::DeleteTopicsRequest>(request);
  if (!decoded.is_ok()) co_return decoded.status();
  protocol::DeleteTopicsResponse response;
  // Jobs keep references to results: no reallocation once they are handed out.
  response.responses.reserve(decoded->topic_names.size());
  // Deleting a topic closes its logs and removes its directory: on the blocking pool.
  std::vector<std::function<void()>> jobs;
  for (const auto& name : decoded->topic_names) {
    auto& result = response.responses.emplace_back();
    result.name = name;
    jobs.emplace_back([&context, &result] {
      const cluster::PlacementStatus status = context.placement.delete_topic(*result.name);
      result.error_code = static_cast<int16_t>(error_code_for(status.code));
      if (!status.is_ok()) result.error_message = status.message;
    });
  }
  co_await run_blocking(context.blocking_pool, std::move(jobs));
  co_return std::optional<std::string>(encode_body(response, request.header.api_version));
}

}  // namespace sluice::kafka::server
