#include "kafka/server/broker.h"

#include <chrono>

#include "kafka/server/supported_apis.h"

namespace sluice::kafka::server {

using protocol::ApiKey;

KafkaBroker::KafkaBroker(BrokerContext context) : context_(std::move(context)) {
  for (const ApiRange& api : supported_apis()) {
    latency_[static_cast<int16_t>(api.key)] = &metrics::default_registry().histogram(
        "sluice_kafka_request_duration_seconds",
        "Time from a Kafka request's arrival to its response, per API",
        {{"api", std::string(protocol::api_key_name(api.key))}});
  }
}

asio::awaitable<HandlerResult> KafkaBroker::dispatch(Request request) {
  const auto started = std::chrono::steady_clock::now();
  const auto histogram = latency_.find(request.header.api_key);
  HandlerResult result = co_await route(request);
  if (histogram != latency_.end()) {
    histogram->second->observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  co_return result;
}

asio::awaitable<HandlerResult> KafkaBroker::route(Request& request) {
  const auto& header = request.header;
  const auto api = supported_api(header.api_key);
  if (!api) {
    co_return Status::invalid_argument("unsupported api key " + std::to_string(header.api_key));
  }
  // ApiVersions answers any version itself (with an error body a client can read).
  if (api->key == ApiKey::kApiVersions) co_return co_await handle_api_versions(context_, request);
  if (header.api_version < api->min_version || header.api_version > api->max_version) {
    // Kafka closes the connection here too: the body's layout is unknown.
    co_return Status::invalid_argument("unsupported version " + std::to_string(header.api_version) +
                                       " of api key " + std::to_string(header.api_key) +
                                       " (supported " + std::to_string(api->min_version) + "-" +
                                       std::to_string(api->max_version) + ")");
  }
  switch (api->key) {
    case ApiKey::kProduce:
      co_return co_await handle_produce(context_, request);
    case ApiKey::kFetch:
      co_return co_await handle_fetch(context_, request);
    case ApiKey::kListOffsets:
      co_return co_await handle_list_offsets(context_, request);
    case ApiKey::kMetadata:
      co_return co_await handle_metadata(context_, request);
    case ApiKey::kCreateTopics:
      co_return co_await handle_create_topics(context_, request);
    case ApiKey::kDeleteTopics:
      co_return co_await handle_delete_topics(context_, request);
    case ApiKey::kFindCoordinator:
      co_return co_await handle_find_coordinator(context_, request);
    case ApiKey::kJoinGroup:
      co_return co_await handle_join_group(context_, request);
    case ApiKey::kSyncGroup:
      co_return co_await handle_sync_group(context_, request);
    case ApiKey::kHeartbeat:
      co_return co_await handle_heartbeat(context_, request);
    case ApiKey::kLeaveGroup:
      co_return co_await handle_leave_group(context_, request);
    case ApiKey::kListGroups:
      co_return co_await handle_list_groups(context_, request);
    case ApiKey::kDescribeGroups:
      co_return co_await handle_describe_groups(context_, request);
    case ApiKey::kOffsetCommit:
      co_return co_await handle_offset_commit(context_, request);
    case ApiKey::kOffsetFetch:
      co_return co_await handle_offset_fetch(context_, request);
    case ApiKey::kInitProducerId:
      co_return co_await handle_init_producer_id(context_, request);
    case ApiKey::kDescribeConfigs:
      co_return co_await handle_describe_configs(context_, request);
    case ApiKey::kAlterConfigs:
      co_return co_await handle_alter_configs(context_, request);
    case ApiKey::kIncrementalAlterConfigs:
      co_return co_await handle_incremental_alter_configs(context_, request);
    case ApiKey::kDeleteGroups:
      co_return co_await handle_delete_groups(context_, request);
    case ApiKey::kOffsetDelete:
      co_return co_await handle_offset_delete(context_, request);
    case ApiKey::kCreatePartitions:
      co_return co_await handle_create_partitions(context_, request);
    case ApiKey::kDeleteRecords:
      co_return co_await handle_delete_records(context_, request);
    case ApiKey::kOffsetForLeaderEpoch:
      co_return co_await handle_offset_for_leader_epoch(context_, request);
    default:
      break;
  }
  co_return Status::invalid_argument("api key " + std::to_string(header.api_key) +
                                     " is advertised but has no handler");
}

}  // namespace sluice::kafka::server
