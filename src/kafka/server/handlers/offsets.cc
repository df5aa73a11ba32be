// OffsetCommit and OffsetFetch: committed consumer positions, durable in the offset store.
#include "kafka/protocol/messages/offset_commit_request.h"
#include "kafka/protocol/messages/offset_commit_response.h"
#include "kafka/protocol/messages/offset_fetch_request.h"
#include "kafka/protocol/messages/offset_fetch_response.h"
#include "kafka/server/broker_context.h"
#include "storage/partition_log.h"

namespace sluice::kafka::server {

asio::awaitable<HandlerResult> handle_offset_commit(BrokerContext& context, Request& request) {
  auto decoded = decode_body<protocol::OffsetCommitRequest>(request);
  if (!decoded.is_ok()) co_return decoded.status();
  const auto& body = *decoded;
  groups::OffsetCommitRequest commit;
  commit.group_id = body.group_id;
  commit.generation = body.generation_id_or_member_epoch;
  commit.member_id = body.member_id;
  commit.group_instance_id = body.group_instance_id;
  const int64_t now = storage::system_clock_ms();
  for (const auto& topic : body.topics) {
    for (const auto& partition : topic.partitions) {
      groups::CommittedOffset offset;
      offset.offset = partition.committed_offset;
      offset.leader_epoch = partition.committed_leader_epoch;
      offset.commit_timestamp = partition.commit_timestamp < 0 ? now : partition.commit_timestamp;
      offset.metadata = partition.committed_metadata.value_or("");
      commit.offsets.emplace_back(groups::TopicPartition{topic.name, partition.partition_index},
                                  offset);
    }
  }
  // The commit waits for fsync: run it on the blocking pool.
  protocol::ErrorCode error = protocol::ErrorCode::kNotCoordinator;
  if (coordinates_group(context, body.group_id)) {
    std::vector<std::function<void()>> jobs;
    jobs.emplace_back(
        [&] { error = error_code_for(context.groups.commit_offsets(commit, monotonic_ms())); });
    co_await run_blocking(context.blocking_pool, std::move(jobs));
  }
  protocol::OffsetCommitResponse response;
  for (const auto& topic : body.topics) {
    auto& topic_response = response.topics.emplace_back();
    topic_response.name = topic.name;
    for (const auto& partition : topic.partitions) {
      topic_response.partitions.push_back({partition.partition_index, static_cast<int16_t>(error)});
    }
  }
  co_return std::optional<std::string>(encode_body(response, request.header.api_version));
}

asio::awaitable<HandlerResult> handle_offset_fetch(BrokerContext& context, Request& request) {
  auto decoded = decode_body<protocol::OffsetFetchRequest>(request);
  if (!decoded.is_ok()) co_return decoded.status();
  const auto& body = *decoded;
  protocol::OffsetFetchResponse response;
  if (!coordinates_group(context, body.group_id)) {
    // v2+ read the top-level code; older versions only the partitions' codes.
    response.error_code = static_cast<int16_t>(protocol::ErrorCode::kNotCoordinator);
    if (body.topics) {
      for (const auto& topic : *body.topics) {
        auto& topic_response = response.topics.emplace_back();
        topic_response.name = topic.name;
        for (int32_t partition : topic.partition_indexes) {
          auto& out = topic_response.partitions.emplace_back();
          out.partition_index = partition;
          out.committed_offset = -1;
          out.error_code = response.error_code;
        }
      }
    }
    co_return std::optional<std::string>(encode_body(response, request.header.api_version));
  }
  auto answer = [](int32_t partition, const std::optional<groups::CommittedOffset>& committed) {
    protocol::OffsetFetchResponse::OffsetFetchResponsePartition out;
    out.partition_index = partition;
    // Nothing committed: offset -1, and the client resets through ListOffsets.
    out.committed_offset = committed ? committed->offset : -1;
    out.committed_leader_epoch = committed ? committed->leader_epoch : -1;
    out.metadata = committed ? committed->metadata : std::string();
    return out;
  };
  if (!body.topics) {
    // v2+: a null topic list asks for everything the group committed.
    std::map<std::string, protocol::OffsetFetchResponse::OffsetFetchResponseTopic> by_topic;
    for (const auto& [tp, committed] : context.offsets.fetch_all(body.group_id)) {
      auto& topic = by_topic[tp.topic];
      topic.name = tp.topic;
      topic.partitions.push_back(answer(tp.partition, committed));
    }
    for (auto& [name, topic] : by_topic) response.topics.push_back(std::move(topic));
  } else {
    for (const auto& topic : *body.topics) {
      auto& topic_response = response.topics.emplace_back();
      topic_response.name = topic.name;
      for (int32_t partition : topic.partition_indexes) {
        topic_response.partitions.push_back(
            answer(partition, context.offsets.fetch(body.group_id, {topic.name, partition})));
      }
    }
  }
  co_return std::optional<std::string>(encode_body(response, request.header.api_version));
}

}  // namespace sluice::kafka::server
