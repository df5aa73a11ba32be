// CreatePartitions and DeleteRecords: growing a topic, and raising a partition's log start
// offset (records below it are gone for good, durably, before the answer).
#include <algorithm>

#include "kafka/protocol/messages/create_partitions_request.h"
#include "kafka/protocol/messages/create_partitions_response.h"
#include "kafka/protocol/messages/delete_records_request.h"
#include "kafka/protocol/messages/delete_records_response.h"
#include "kafka/server/broker_context.h"

namespace sluice::kafka::server {

using protocol::ErrorCode;

namespace {
// DeleteRecords offset -1: everything up to the high watermark.
constexpr int64_t kHighWatermark = -1;
}  // namespace

asio::awaitable<HandlerResult> handle_create_partitions(BrokerContext& context, Request& request) {
  auto decoded = decode_body<protocol::CreatePartitionsRequest>(request);
  if (!decoded.is_ok()) co_return decoded.status();
  protocol::CreatePartitionsResponse response;
  // Jobs keep references to results: no reallocation once they are handed out.
  response.results.reserve(decoded->topics.size());
  std::vector<std::function<void()>> jobs;
  for (const auto& topic : decoded->topics) {
    auto& result = response.results.emplace_back();
    result.name = topic.name;
    std::vector<std::vector<int32_t>> assignment;
    if (topic.assignments) {
      for (const auto& a : *topic.assignments) assignment.push_back(a.broker_ids);
    }
    jobs.emplace_back([&context, &result, name = topic.name, count = topic.count,
                       assignment = std::move(assignment), validate_only = decoded->validate_only] {
      const cluster::PlacementStatus status =
          context.placement.add_partitions(name, count, assignment, validate_only);
      result.error_code = static_cast<int16_t>(error_code_for(status.code));
      if (!status.is_ok()) result.error_message = status.message;
    });
  }
  co_await run_blocking(context.blocking_pool, std::move(jobs));
  co_return std::optional<std::string>(encode_body(response, request.header.api_version));
}

asio::awaitable<HandlerResult> handle_delete_records(BrokerContext& context, Request& request) {
  auto decoded = decode_body<protocol::DeleteRecordsRequest>(request);
  if (!decoded.is_ok()) co_return decoded.status();
  protocol::DeleteRecordsResponse response;
  // Jobs keep references to results: no reallocation once they are handed out.
  response.topics.reserve(decoded->topics.size());
  std::vector<std::function<void()>> jobs;
  for (const auto& topic : decoded->topics) {
    auto& topic_result = response.topics.emplace_back();
    topic_result.name = topic.name;
    topic_result.partitions.reserve(topic.partitions.size());
    for (const auto& wanted : topic.partitions) {
      auto& result = topic_result.partitions.emplace_back();
      result.partition_index = wanted.partition_index;
      result.low_watermark = -1;
      ErrorCode error = ErrorCode::kNone;
      auto partition = find_led_partition(context, topic.name, wanted.partition_index, &error);
      if (!partition) {
        result.error_code = static_cast<int16_t>(error);
        continue;
      }
      jobs.emplace_back([&result, partition, offset = wanted.offset] {
        auto& log = partition->log();
        // Kafka's bounds: -1 means the high watermark, and nothing past it may go.
        const int64_t high_watermark = log.high_watermark();
        Status status =
            offset > high_watermark
                ? Status::out_of_range("offset " + std::to_string(offset) +
                                       " is past the high watermark " +
                                       std::to_string(high_watermark))
                : log.delete_records(offset == kHighWatermark ? high_watermark : offset);
        result.error_code = static_cast<int16_t>(error_code_for(status));
        result.low_watermark = log.log_start_offset();
      });
    }
  }
  co_await run_blocking(context.blocking_pool, std::move(jobs));
  co_return std::optional<std::string>(encode_body(response, request.header.api_version));
}

}  // namespace sluice::kafka::server
