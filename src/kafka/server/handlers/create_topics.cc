// CreateTopics and DeleteTopics. A single node has one replica to give: a replication
// factor above 1 is refused with INVALID_REPLICATION_FACTOR rather than silently lowered.
#include <map>

#include "kafka/protocol/messages/create_topics_request.h"
#include "kafka/protocol/messages/create_topics_response.h"
#include "kafka/protocol/messages/delete_topics_request.h"
#include "kafka/protocol/messages/delete_topics_response.h"
#include "kafka/server/broker_context.h"

namespace sluice::kafka::server {

using protocol::ErrorCode;

namespace {

// Checks one topic of a CreateTopics request; on failure sets the error and message.
ErrorCode check_creatable(BrokerContext& context,
                          const protocol::CreateTopicsRequest::CreatableTopic& topic,
                          int32_t* partitions, topics::ConfigMap* configs, std::string* why) {
  if (Status status = topics::validate_topic_name(topic.name); !status.is_ok()) {
    *why = status.message();
    return ErrorCode::kInvalidTopicException;
  }
  if (context.topics.topic(topic.name)) {
    *why = "topic '" + topic.name + "' already exists";
    return ErrorCode::kTopicAlreadyExists;
  }
  if (!topic.assignments.empty()) {
    if (topic.num_partitions != -1 || topic.replication_factor != -1) {
      *why = "give either assignments or num_partitions and replication_factor, not both";
      return ErrorCode::kInvalidRequest;
    }
    for (const auto& assignment : topic.assignments) {
      if (assignment.broker_ids.size() != 1 ||
          assignment.broker_ids[0] != context.options.node_id) {
        *why = "each partition must be assigned to exactly broker " +
               std::to_string(context.options.node_id);
        return ErrorCode::kInvalidReplicaAssignment;
      }
    }
    *partitions = static_cast<int32_t>(topic.assignments.size());
  } else {
    *partitions =
        topic.num_partitions == -1 ? context.topics.defaults().partitions : topic.num_partitions;
    if (*partitions < 1) {
      *why = "num_partitions must be at least 1";
      return ErrorCode::kInvalidPartitions;
    }
    if (topic.replication_factor != -1 && topic.replication_factor != 1) {
      *why = "replication factor " + std::to_string(topic.replication_factor) +
             " is larger than the 1 available broker";
      return ErrorCode::kInvalidReplicationFactor;
    }
  }
  for (const auto& config : topic.configs) {
    if (config.value) (*configs)[config.name] = *config.value;
  }
  if (Status status = topics::validate_topic_configs(*configs); !status.is_ok()) {
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
  // Creating a topic writes and fsyncs its topic.json: on the blocking pool.
  std::vector<std::function<void()>> jobs;
  for (const auto& topic : decoded->topics) {
    auto& result = response.topics.emplace_back();
    result.name = topic.name;
    result.error_message = std::nullopt;
    int32_t partitions = 0;
    topics::ConfigMap configs;
    std::string why;
    ErrorCode error = ErrorCode::kNone;
    if (occurrences[topic.name] > 1) {
      error = ErrorCode::kInvalidRequest;
      why = "topic '" + topic.name + "' appears more than once in the request";
    } else {
      error = check_creatable(context, topic, &partitions, &configs, &why);
    }
    result.error_code = static_cast<int16_t>(error);
    if (error != ErrorCode::kNone) {
      result.error_message = why;
    } else if (!decoded->validate_only) {
      jobs.emplace_back([&context, &result, partitions, configs = std::move(configs)] {
        Status status = context.topics.create_topic(result.name, partitions, configs);
        if (status.is_ok()) return;
        result.error_code = static_cast<int16_t>(status.code() == StatusCode::kAlreadyExists
                                                     ? ErrorCode::kTopicAlreadyExists
                                                     : error_code_for(status));
        result.error_message = status.message();
      });
    }
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
      Status status = context.topics.delete_topic(*result.name);
      result.error_code = static_cast<int16_t>(error_code_for(status));
      if (!status.is_ok()) result.error_message = status.message();
    });
  }
  co_await run_blocking(context.blocking_pool, std::move(jobs));
  co_return std::optional<std::string>(encode_body(response, request.header.api_version));
}

}  // namespace sluice::kafka::server
