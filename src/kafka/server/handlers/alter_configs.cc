// AlterConfigs and IncrementalAlterConfigs: changing a topic's config overrides at run time,
// what `kafka-configs.sh --alter` and the admin clients' alterConfigs send. Topic configs
// only: broker settings come from `sluice serve`'s flags and are fixed while it runs.
#include <set>

#include "kafka/protocol/config_resource.h"
#include "kafka/protocol/messages/alter_configs_request.h"
#include "kafka/protocol/messages/alter_configs_response.h"
#include "kafka/protocol/messages/incremental_alter_configs_request.h"
#include "kafka/protocol/messages/incremental_alter_configs_response.h"
#include "kafka/server/broker_context.h"

namespace sluice::kafka::server {

using protocol::ErrorCode;

using protocol::kBrokerLoggerResource;
using protocol::kBrokerResource;
using protocol::kTopicResource;

namespace {

// IncrementalAlterConfigs operations (Kafka's AlterConfigOp.OpType).
constexpr int8_t kSet = 0;
constexpr int8_t kDelete = 1;
constexpr int8_t kAppend = 2;
constexpr int8_t kSubtract = 3;

// The one list-valued topic config Sluice knows; APPEND and SUBTRACT apply only to lists.
bool is_list_config(const std::string& name) {
  return name == "cleanup.policy";
}

std::vector<std::string> split_list(const std::string& value) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= value.size()) {
    const size_t comma = value.find(',', start);
    const size_t end = comma == std::string::npos ? value.size() : comma;
    if (end > start) items.push_back(value.substr(start, end - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

std::string join_list(const std::vector<std::string>& items) {
  std::string joined;
  for (const auto& item : items) joined += (joined.empty() ? "" : ",") + item;
  return joined;
}

// The error a resource gets when the change cannot even be attempted; nullopt for topics.
struct ResourceError {
  ErrorCode code;
  std::string message;
};
std::optional<ResourceError> unalterable(int8_t resource_type) {
  if (resource_type == kTopicResource) return std::nullopt;
  if (resource_type == kBrokerResource || resource_type == kBrokerLoggerResource) {
    return ResourceError{ErrorCode::kInvalidRequest,
                         "broker configs are fixed while sluice runs; set them with `sluice "
                         "serve` flags or its config file"};
  }
  return ResourceError{ErrorCode::kInvalidRequest,
                       "unknown config resource type " + std::to_string(resource_type)};
}

// A failed update: the topic is unknown, or a config is bad (Kafka's INVALID_CONFIG).
ErrorCode update_error(const Status& status) {
  if (status.code() == StatusCode::kNotFound) return ErrorCode::kUnknownTopicOrPartition;
  if (status.code() == StatusCode::kInvalidArgument) return ErrorCode::kInvalidConfig;
  return error_code_for(status);
}

template <typename Result>
void set_error(Result& result, ErrorCode code, std::string message) {
  result.error_code = static_cast<int16_t>(code);
  result.error_message =
      code == ErrorCode::kNone ? std::nullopt : std::optional<std::string>(std::move(message));
}

// Runs each resource's update on the blocking pool (persisting waits for fsync) and writes
// its outcome into `results`, which must not reallocate meanwhile.
template <typename Resource, typename Results, typename Edit>
asio::awaitable<void> alter(BrokerContext& context, const std::vector<Resource>& resources,
                            bool validate_only, Results& results, Edit edit) {
  results.reserve(resources.size());
  std::vector<std::function<void()>> jobs;
  for (const auto& resource : resources) {
    auto& result = results.emplace_back();
    result.resource_type = resource.resource_type;
    result.resource_name = resource.resource_name;
    set_error(result, ErrorCode::kNone, "");
    if (auto error = unalterable(resource.resource_type)) {
      set_error(result, error->code, error->message);
      continue;
    }
    std::set<std::string> names;
    bool duplicate = false;
    for (const auto& config : resource.configs) duplicate |= !names.insert(config.name).second;
    if (duplicate) {
      set_error(result, ErrorCode::kInvalidRequest, "a config key appears twice");
      continue;
    }
    jobs.emplace_back([&context, &resource, &result, validate_only, edit] {
      const Status status = context.topics.update_configs(
          resource.resource_name,
          [&](topics::ConfigMap* configs) { return edit(resource, configs); }, validate_only);
      set_error(result, update_error(status), status.message());
    });
  }
  co_await run_blocking(context.blocking_pool, std::move(jobs));
}

}  // namespace

asio::awaitable<HandlerResult> handle_alter_configs(BrokerContext& context, Request& request) {
  auto decoded = decode_body<protocol::AlterConfigsRequest>(request);
  if (!decoded.is_ok()) co_return decoded.status();
  // The legacy API replaces the whole set: configs left out return to their defaults.
  auto replace = [](const protocol::AlterConfigsRequest::AlterConfigsResource& resource,
                    topics::ConfigMap* configs) {
    configs->clear();
    for (const auto& config : resource.configs) {
      if (config.value) (*configs)[config.name] = *config.value;
    }
    return Status::ok();
  };
  protocol::AlterConfigsResponse response;
  co_await alter(context, decoded->resources, decoded->validate_only, response.responses, replace);
  co_return std::optional<std::string>(encode_body(response, request.header.api_version));
}

asio::awaitable<HandlerResult> handle_incremental_alter_configs(BrokerContext& context,
                                                                Request& request) {
  auto decoded = decode_body<protocol::IncrementalAlterConfigsRequest>(request);
  if (!decoded.is_ok()) co_return decoded.status();
  auto apply = [](const protocol::IncrementalAlterConfigsRequest::AlterConfigsResource& resource,
                  topics::ConfigMap* configs) {
    for (const auto& config : resource.configs) {
      const std::string& name = config.name;
      const int8_t op = config.config_operation;
      if (op == kDelete) {
        configs->erase(name);
        continue;
      }
      if (op != kSet && op != kAppend && op != kSubtract) {
        return Status::invalid_argument("unknown config operation " + std::to_string(op));
      }
      if (!config.value) return Status::invalid_argument("config " + name + ": null value");
      if (op == kSet) {
        (*configs)[name] = *config.value;
        continue;
      }
      if (!is_list_config(name)) {
        return Status::invalid_argument("config " + name +
                                        " is not a list: APPEND and SUBTRACT do not apply");
      }
      auto found = configs->find(name);
      std::vector<std::string> items =
          split_list(found != configs->end() ? found->second : std::string("delete"));
      for (const auto& item : split_list(*config.value)) {
        auto at = std::find(items.begin(), items.end(), item);
        if (op == kAppend && at == items.end()) items.push_back(item);
        if (op == kSubtract && at != items.end()) items.erase(at);
      }
      (*configs)[name] = join_list(items);
    }
    return Status::ok();
  };
  protocol::IncrementalAlterConfigsResponse response;
  co_await alter(context, decoded->resources, decoded->validate_only, response.responses, apply);
  co_return std::optional<std::string>(encode_body(response, request.header.api_version));
}

}  // namespace sluice::kafka::server
