#include "kafka/server/broker_context.h"

#include <atomic>
#include <chrono>
#include <memory>

namespace sluice::kafka::server {

using protocol::ErrorCode;

ErrorCode error_code_for(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return ErrorCode::kNone;
    case StatusCode::kCorruption:
      return ErrorCode::kCorruptMessage;
    case StatusCode::kTooLarge:
      return ErrorCode::kMessageTooLarge;
    case StatusCode::kNotFound:
      return ErrorCode::kUnknownTopicOrPartition;
    case StatusCode::kOutOfRange:
      return ErrorCode::kOffsetOutOfRange;
    case StatusCode::kAlreadyExists:
      return ErrorCode::kTopicAlreadyExists;
    case StatusCode::kInvalidArgument:
      return ErrorCode::kInvalidRequest;
    case StatusCode::kFailedPrecondition:
    case StatusCode::kIoError:
    case StatusCode::kStorageFull:  // retriable: clients retry until space is back
      return ErrorCode::kKafkaStorageError;
    case StatusCode::kOutOfOrderSequence:
      return ErrorCode::kOutOfOrderSequenceNumber;
    case StatusCode::kProducerFenced:
      return ErrorCode::kInvalidProducerEpoch;
    case StatusCode::kUnknownProducer:
      return ErrorCode::kUnknownProducerId;
    case StatusCode::kNotLeader:
      return ErrorCode::kNotLeaderOrFollower;
    case StatusCode::kUnavailable:  // retriable: the metadata store is back soon
      return ErrorCode::kRequestTimedOut;
    case StatusCode::kNotEnoughReplicas:
      return ErrorCode::kNotEnoughReplicas;
    case StatusCode::kNotEnoughReplicasAfterAppend:
      return ErrorCode::kNotEnoughReplicasAfterAppend;
  }
  return ErrorCode::kUnknownServerError;
}

ErrorCode error_code_for(cluster::PlacementErrc error) {
  using cluster::PlacementErrc;
  switch (error) {
    case PlacementErrc::kOk:
      return ErrorCode::kNone;
    case PlacementErrc::kTopicExists:
      return ErrorCode::kTopicAlreadyExists;
    case PlacementErrc::kUnknownTopic:
      return ErrorCode::kUnknownTopicOrPartition;
    case PlacementErrc::kInvalidPartitions:
      return ErrorCode::kInvalidPartitions;
    case PlacementErrc::kInvalidReplicationFactor:
      return ErrorCode::kInvalidReplicationFactor;
    case PlacementErrc::kInvalidReplicaAssignment:
      return ErrorCode::kInvalidReplicaAssignment;
    case PlacementErrc::kStorageError:
      return ErrorCode::kKafkaStorageError;
    case PlacementErrc::kUnavailable:
      return ErrorCode::kRequestTimedOut;
  }
  return ErrorCode::kUnknownServerError;
}

int64_t monotonic_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

ErrorCode error_code_for(groups::GroupError error) {
  using groups::GroupError;
  switch (error) {
    case GroupError::kNone:
      return ErrorCode::kNone;
    case GroupError::kUnknownMemberId:
      return ErrorCode::kUnknownMemberId;
    case GroupError::kIllegalGeneration:
      return ErrorCode::kIllegalGeneration;
    case GroupError::kRebalanceInProgress:
      return ErrorCode::kRebalanceInProgress;
    case GroupError::kInconsistentGroupProtocol:
      return ErrorCode::kInconsistentGroupProtocol;
    case GroupError::kInvalidSessionTimeout:
      return ErrorCode::kInvalidSessionTimeout;
    case GroupError::kMemberIdRequired:
      return ErrorCode::kMemberIdRequired;
    case GroupError::kFencedInstanceId:
      return ErrorCode::kFencedInstanceId;
    case GroupError::kInvalidGroupId:
      return ErrorCode::kInvalidGroupId;
    case GroupError::kGroupIdNotFound:
      return ErrorCode::kGroupIdNotFound;
    case GroupError::kNonEmptyGroup:
      return ErrorCode::kNonEmptyGroup;
    case GroupError::kGroupSubscribedToTopic:
      return ErrorCode::kGroupSubscribedToTopic;
    case GroupError::kStorageError:
      return ErrorCode::kKafkaStorageError;
  }
  return ErrorCode::kUnknownServerError;
}

namespace {

bool may_auto_create(BrokerContext& context, const std::string& topic) {
  return context.options.auto_create_topics && topics::validate_topic_name(topic).is_ok() &&
         !context.placement.topic(topic);
}

void auto_create(BrokerContext& context, const std::string& topic) {
  // Another request may create it first; either way the topic then exists. In cluster mode
  // it exists in the store first and on the leader's disk a moment later.
  (void)context.placement.create_topic(cluster::NewTopic{topic}, false);
}

}  // namespace

std::shared_ptr<topics::Partition> find_partition(BrokerContext& context, const std::string& topic,
                                                  int32_t index, bool allow_auto_create,
                                                  ErrorCode* error) {
  if (auto partition = context.topics.partition(topic, index)) return partition;
  if (!topics::validate_topic_name(topic).is_ok()) {
    *error = ErrorCode::kInvalidTopicException;
    return nullptr;
  }
  if (allow_auto_create && may_auto_create(context, topic)) {
    auto_create(context, topic);
    if (auto partition = context.topics.partition(topic, index)) return partition;
  }
  // A partition the cluster has on other brokers: the client's metadata is stale.
  const auto placed = context.placement.topic(topic);
  const bool elsewhere =
      placed && index >= 0 && index < static_cast<int32_t>(placed->partitions.size());
  *error = elsewhere ? ErrorCode::kNotLeaderOrFollower : ErrorCode::kUnknownTopicOrPartition;
  return nullptr;
}

bool coordinates_group(const BrokerContext& context, const std::string& group) {
  const auto coordinator = context.placement.group_coordinator(group);
  return coordinator && coordinator->id == context.placement.self();
}

std::shared_ptr<topics::Partition> find_led_partition(BrokerContext& context,
                                                      const std::string& topic, int32_t index,
                                                      ErrorCode* error) {
  auto partition = find_partition(context, topic, index, false, error);
  if (partition && !partition->is_leader()) {
    *error = ErrorCode::kNotLeaderOrFollower;
    return nullptr;
  }
  return partition;
}

asio::awaitable<void> auto_create_topics(BrokerContext& context, std::vector<std::string> names) {
  std::vector<std::function<void()>> jobs;
  for (auto& name : names) {
    if (!may_auto_create(context, name)) continue;
    jobs.emplace_back([&context, name = std::move(name)] { auto_create(context, name); });
  }
  co_await run_blocking(context.blocking_pool, std::move(jobs));
}

}  // namespace sluice::kafka::server
