// DescribeConfigs: a topic's effective configuration (overrides and defaults, with their
// source), and the broker-wide defaults topics inherit.
#include <algorithm>

#include "kafka/protocol/config_resource.h"
#include "kafka/protocol/messages/describe_configs_request.h"
#include "kafka/protocol/messages/describe_configs_response.h"
#include "kafka/server/broker_context.h"

namespace sluice::kafka::server {

using protocol::DescribeConfigsResponse;
using protocol::ErrorCode;

using protocol::kBrokerResource;
using protocol::kTopicResource;

namespace {

// Kafka's ConfigSource values.
constexpr int8_t kDynamicTopicConfig = 1;
constexpr int8_t kStaticBrokerConfig = 4;
constexpr int8_t kDefaultConfig = 5;

bool wanted(const std::optional<std::vector<std::string>>& keys, const std::string& name) {
  return !keys || keys->empty() || std::find(keys->begin(), keys->end(), name) != keys->end();
}

DescribeConfigsResponse::DescribeConfigsResourceResult entry(const std::string& name,
                                                             const std::string& value,
                                                             int8_t source) {
  DescribeConfigsResponse::DescribeConfigsResourceResult config;
  config.name = name;
  config.value = value;
  config.config_source = source;
  config.is_default = source == kDefaultConfig;
  config.documentation = std::nullopt;
  return config;
}

}  // namespace

asio::awaitable<HandlerResult> handle_describe_configs(BrokerContext& context, Request& request) {
  auto decoded = decode_body<protocol::DescribeConfigsRequest>(request);
  if (!decoded.is_ok()) co_return decoded.status();
  DescribeConfigsResponse response;
  for (const auto& resource : decoded->resources) {
    auto& result = response.results.emplace_back();
    result.resource_type = resource.resource_type;
    result.resource_name = resource.resource_name;
    result.error_message = std::nullopt;
    if (resource.resource_type == kTopicResource) {
      const auto topic = context.topics.topic(resource.resource_name);
      if (!topic) {
        result.error_code = static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
        result.error_message = "topic '" + resource.resource_name + "' does not exist";
        continue;
      }
      for (const auto& [name, value] :
           topics::effective_topic_configs(context.topics.defaults().log, topic->overrides)) {
        if (!wanted(resource.configuration_keys, name)) continue;
        const int8_t source =
            topic->overrides.contains(name) ? kDynamicTopicConfig : kDefaultConfig;
        result.configs.push_back(entry(name, value, source));
      }
    } else if (resource.resource_type == kBrokerResource) {
      const auto& defaults = context.topics.defaults();
      const std::pair<std::string, std::string> broker_configs[] = {
          {"auto.create.topics.enable", context.options.auto_create_topics ? "true" : "false"},
          {"log.retention.bytes", std::to_string(defaults.log.retention_bytes)},
          {"log.retention.ms", std::to_string(defaults.log.retention_ms)},
          {"log.segment.bytes", std::to_string(defaults.log.segment_bytes)},
          {"message.max.bytes", std::to_string(defaults.log.max_batch_bytes)},
          {"num.partitions", std::to_string(defaults.partitions)},
      };
      for (const auto& [name, value] : broker_configs) {
        if (wanted(resource.configuration_keys, name)) {
          result.configs.push_back(entry(name, value, kStaticBrokerConfig));
        }
      }
    } else {
      result.error_code = static_cast<int16_t>(ErrorCode::kInvalidRequest);
      result.error_message = "only topic and broker resources have configs here";
    }
  }
  co_return std::optional<std::string>(encode_body(response, request.header.api_version));
}

}  // namespace sluice::kafka::server
