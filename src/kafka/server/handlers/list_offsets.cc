// ListOffsets: the earliest (-2) or latest (-1) offset of a partition, or the first record
// at or after a timestamp.
#include "kafka/protocol/messages/list_offsets_request.h"
#include "kafka/protocol/messages/list_offsets_response.h"
#include "kafka/server/broker_context.h"

namespace sluice::kafka::server {

using protocol::ErrorCode;

namespace {
constexpr int64_t kLatest = -1;
constexpr int64_t kEarliest = -2;
}  // namespace

asio::awaitable<HandlerResult> handle_list_offsets(BrokerContext& context, Request& request) {
  auto decoded = decode_body<protocol::ListOffsetsRequest>(request);
  if (!decoded.is_ok()) co_return decoded.status();
  protocol::ListOffsetsResponse response;
  for (const auto& topic : decoded->topics) {
    auto& topic_response = response.topics.emplace_back();
    topic_response.name = topic.name;
    for (const auto& wanted : topic.partitions) {
      auto& answer = topic_response.partitions.emplace_back();
      answer.partition_index = wanted.partition_index;
      ErrorCode error = ErrorCode::kNone;
      auto partition = find_led_partition(context, topic.name, wanted.partition_index, &error);
      if (!partition) {
        answer.error_code = static_cast<int16_t>(error);
        continue;
      }
      const auto& log = partition->log();
      answer.leader_epoch = partition->leader_epoch();
      if (wanted.timestamp == kLatest) {
        // What consumers can read: the high watermark, not the last offset written.
        answer.offset = log.high_watermark();
      } else if (wanted.timestamp == kEarliest) {
        answer.offset = log.log_start_offset();
      } else {
        auto found = log.offset_for_timestamp(wanted.timestamp);
        if (!found.is_ok()) {
          answer.error_code = static_cast<int16_t>(error_code_for(found.status()));
        } else if (*found) {
          answer.offset = (*found)->offset;
          answer.timestamp = (*found)->timestamp;
        }
        // No record that new: offset and timestamp stay -1, as Kafka answers.
      }
    }
  }
  co_return std::optional<std::string>(encode_body(response, request.header.api_version));
}

}  // namespace sluice::kafka::server
