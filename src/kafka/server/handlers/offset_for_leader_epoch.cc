// OffsetForLeaderEpoch: where a leader epoch ends, which consumers use to detect log
// truncation after a leader change (KIP-320). A single node has had one epoch, 0, since
// the log began: it ends at the log end, and later epochs are unknown.
#include "kafka/protocol/messages/offset_for_leader_epoch_request.h"
#include "kafka/protocol/messages/offset_for_leader_epoch_response.h"
#include "kafka/server/broker_context.h"

namespace sluice::kafka::server {

using protocol::ErrorCode;

asio::awaitable<HandlerResult> handle_offset_for_leader_epoch(BrokerContext& context,
                                                              Request& request) {
  auto decoded = decode_body<protocol::OffsetForLeaderEpochRequest>(request);
  if (!decoded.is_ok()) co_return decoded.status();
  protocol::OffsetForLeaderEpochResponse response;
  for (const auto& topic : decoded->topics) {
    auto& topic_result = response.topics.emplace_back();
    topic_result.topic = topic.topic;
    for (const auto& wanted : topic.partitions) {
      auto& result = topic_result.partitions.emplace_back();
      result.partition = wanted.partition;
      ErrorCode error = ErrorCode::kNone;
      auto partition = find_led_partition(context, topic.topic, wanted.partition, &error);
      if (!partition) {
        result.error_code = static_cast<int16_t>(error);
        continue;
      }
      const int32_t current = partition->leader_epoch();
      if (wanted.current_leader_epoch > current) {
        result.error_code = static_cast<int16_t>(ErrorCode::kUnknownLeaderEpoch);
      } else if (wanted.current_leader_epoch >= 0 && wanted.current_leader_epoch < current) {
        result.error_code = static_cast<int16_t>(ErrorCode::kFencedLeaderEpoch);
      } else {
        // From the epoch cache, as Kafka answers: the largest epoch <= the one asked and
        // where the next one starts (the log end for the latest); undefined (-1, -1) for an
        // epoch newer than any this log has seen.
        const storage::EpochEndOffset end =
            partition->log().end_offset_for_epoch(wanted.leader_epoch);
        result.leader_epoch = end.epoch;
        result.end_offset = end.end_offset;
      }
    }
  }
  co_return std::optional<std::string>(encode_body(response, request.header.api_version));
}

}  // namespace sluice::kafka::server
