// Kafka API keys: the int16 at the start of every request header that names the request.
#pragma once

#include <cstdint>
#include <string_view>

namespace sluice::kafka::protocol {

// Every key Kafka defines, including the inter-broker and KRaft ones Sluice will never
// serve, so that logs and errors can name whatever a client sends.
enum class ApiKey : int16_t {
  kProduce = 0,
  kFetch = 1,
  kListOffsets = 2,
  kMetadata = 3,
  kLeaderAndIsr = 4,
  kStopReplica = 5,
  kUpdateMetadata = 6,
  kControlledShutdown = 7,
  kOffsetCommit = 8,
  kOffsetFetch = 9,
  kFindCoordinator = 10,
  kJoinGroup = 11,
  kHeartbeat = 12,
  kLeaveGroup = 13,
  kSyncGroup = 14,
  kDescribeGroups = 15,
  kListGroups = 16,
  kSaslHandshake = 17,
  kApiVersions = 18,
  kCreateTopics = 19,
  kDeleteTopics = 20,
  kDeleteRecords = 21,
  kInitProducerId = 22,
  kOffsetForLeaderEpoch = 23,
  kAddPartitionsToTxn = 24,
  kAddOffsetsToTxn = 25,
  kEndTxn = 26,
  kWriteTxnMarkers = 27,
  kTxnOffsetCommit = 28,
  kDescribeAcls = 29,
  kCreateAcls = 30,
  kDeleteAcls = 31,
  kDescribeConfigs = 32,
  kAlterConfigs = 33,
  kAlterReplicaLogDirs = 34,
  kDescribeLogDirs = 35,
  kSaslAuthenticate = 36,
  kCreatePartitions = 37,
  kCreateDelegationToken = 38,
  kRenewDelegationToken = 39,
  kExpireDelegationToken = 40,
  kDescribeDelegationToken = 41,
  kDeleteGroups = 42,
  kElectLeaders = 43,
  kIncrementalAlterConfigs = 44,
  kAlterPartitionReassignments = 45,
  kListPartitionReassignments = 46,
  kOffsetDelete = 47,
  kDescribeClientQuotas = 48,
  kAlterClientQuotas = 49,
  kDescribeUserScramCredentials = 50,
  kAlterUserScramCredentials = 51,
  kVote = 52,
  kBeginQuorumEpoch = 53,
  kEndQuorumEpoch = 54,
  kDescribeQuorum = 55,
  kAlterPartition = 56,
  kUpdateFeatures = 57,
  kEnvelope = 58,
  kFetchSnapshot = 59,
  kDescribeCluster = 60,
  kDescribeProducers = 61,
  kBrokerRegistration = 62,
  kBrokerHeartbeat = 63,
  kUnregisterBroker = 64,
  kDescribeTransactions = 65,
  kListTransactions = 66,
  kAllocateProducerIds = 67,
  kConsumerGroupHeartbeat = 68,
  kConsumerGroupDescribe = 69,
  kControllerRegistration = 70,
  kGetTelemetrySubscriptions = 71,
  kPushTelemetry = 72,
  kAssignReplicasToDirs = 73,
  kListClientMetricsResources = 74,
  kDescribeTopicPartitions = 75,
  kShareGroupHeartbeat = 76,
  kShareGroupDescribe = 77,
  kShareFetch = 78,
  kShareAcknowledge = 79,
  kAddRaftVoter = 80,
  kRemoveRaftVoter = 81,
  kUpdateRaftVoter = 82,
  kInitializeShareGroupState = 83,
  kReadShareGroupState = 84,
  kWriteShareGroupState = 85,
  kDeleteShareGroupState = 86,
  kReadShareGroupStateSummary = 87,
};

// Kafka's name for `key` ("ApiVersions"), or "Unknown" for a number Kafka does not define.
constexpr std::string_view api_key_name(ApiKey key) {
  switch (key) {
    case ApiKey::kProduce:
      return "Produce";
    case ApiKey::kFetch:
      return "Fetch";
    case ApiKey::kListOffsets:
      return "ListOffsets";
    case ApiKey::kMetadata:
      return "Metadata";
    case ApiKey::kLeaderAndIsr:
      return "LeaderAndIsr";
    case ApiKey::kStopReplica:
      return "StopReplica";
    case ApiKey::kUpdateMetadata:
      return "UpdateMetadata";
    case ApiKey::kControlledShutdown:
      return "ControlledShutdown";
    case ApiKey::kOffsetCommit:
      return "OffsetCommit";
    case ApiKey::kOffsetFetch:
      return "OffsetFetch";
    case ApiKey::kFindCoordinator:
      return "FindCoordinator";
    case ApiKey::kJoinGroup:
      return "JoinGroup";
    case ApiKey::kHeartbeat:
      return "Heartbeat";
    case ApiKey::kLeaveGroup:
      return "LeaveGroup";
    case ApiKey::kSyncGroup:
      return "SyncGroup";
    case ApiKey::kDescribeGroups:
      return "DescribeGroups";
    case ApiKey::kListGroups:
      return "ListGroups";
    case ApiKey::kSaslHandshake:
      return "SaslHandshake";
    case ApiKey::kApiVersions:
      return "ApiVersions";
    case ApiKey::kCreateTopics:
      return "CreateTopics";
    case ApiKey::kDeleteTopics:
      return "DeleteTopics";
    case ApiKey::kDeleteRecords:
      return "DeleteRecords";
    case ApiKey::kInitProducerId:
      return "InitProducerId";
    case ApiKey::kOffsetForLeaderEpoch:
      return "OffsetForLeaderEpoch";
    case ApiKey::kAddPartitionsToTxn:
      return "AddPartitionsToTxn";
    case ApiKey::kAddOffsetsToTxn:
      return "AddOffsetsToTxn";
    case ApiKey::kEndTxn:
      return "EndTxn";
    case ApiKey::kWriteTxnMarkers:
      return "WriteTxnMarkers";
    case ApiKey::kTxnOffsetCommit:
      return "TxnOffsetCommit";
    case ApiKey::kDescribeAcls:
      return "DescribeAcls";
    case ApiKey::kCreateAcls:
      return "CreateAcls";
    case ApiKey::kDeleteAcls:
      return "DeleteAcls";
    case ApiKey::kDescribeConfigs:
      return "DescribeConfigs";
    case ApiKey::kAlterConfigs:
      return "AlterConfigs";
    case ApiKey::kAlterReplicaLogDirs:
      return "AlterReplicaLogDirs";
    case ApiKey::kDescribeLogDirs:
      return "DescribeLogDirs";
    case ApiKey::kSaslAuthenticate:
      return "SaslAuthenticate";
    case ApiKey::kCreatePartitions:
      return "CreatePartitions";
    case ApiKey::kCreateDelegationToken:
      return "CreateDelegationToken";
    case ApiKey::kRenewDelegationToken:
      return "RenewDelegationToken";
    case ApiKey::kExpireDelegationToken:
      return "ExpireDelegationToken";
    case ApiKey::kDescribeDelegationToken:
      return "DescribeDelegationToken";
    case ApiKey::kDeleteGroups:
      return "DeleteGroups";
    case ApiKey::kElectLeaders:
      return "ElectLeaders";
    case ApiKey::kIncrementalAlterConfigs:
      return "IncrementalAlterConfigs";
    case ApiKey::kAlterPartitionReassignments:
      return "AlterPartitionReassignments";
    case ApiKey::kListPartitionReassignments:
      return "ListPartitionReassignments";
    case ApiKey::kOffsetDelete:
      return "OffsetDelete";
    case ApiKey::kDescribeClientQuotas:
      return "DescribeClientQuotas";
    case ApiKey::kAlterClientQuotas:
      return "AlterClientQuotas";
    case ApiKey::kDescribeUserScramCredentials:
      return "DescribeUserScramCredentials";
    case ApiKey::kAlterUserScramCredentials:
      return "AlterUserScramCredentials";
    case ApiKey::kVote:
      return "Vote";
    case ApiKey::kBeginQuorumEpoch:
      return "BeginQuorumEpoch";
    case ApiKey::kEndQuorumEpoch:
      return "EndQuorumEpoch";
    case ApiKey::kDescribeQuorum:
      return "DescribeQuorum";
    case ApiKey::kAlterPartition:
      return "AlterPartition";
    case ApiKey::kUpdateFeatures:
      return "UpdateFeatures";
    case ApiKey::kEnvelope:
      return "Envelope";
    case ApiKey::kFetchSnapshot:
      return "FetchSnapshot";
    case ApiKey::kDescribeCluster:
      return "DescribeCluster";
    case ApiKey::kDescribeProducers:
      return "DescribeProducers";
    case ApiKey::kBrokerRegistration:
      return "BrokerRegistration";
    case ApiKey::kBrokerHeartbeat:
      return "BrokerHeartbeat";
    case ApiKey::kUnregisterBroker:
      return "UnregisterBroker";
    case ApiKey::kDescribeTransactions:
      return "DescribeTransactions";
    case ApiKey::kListTransactions:
      return "ListTransactions";
    case ApiKey::kAllocateProducerIds:
      return "AllocateProducerIds";
    case ApiKey::kConsumerGroupHeartbeat:
      return "ConsumerGroupHeartbeat";
    case ApiKey::kConsumerGroupDescribe:
      return "ConsumerGroupDescribe";
    case ApiKey::kControllerRegistration:
      return "ControllerRegistration";
    case ApiKey::kGetTelemetrySubscriptions:
      return "GetTelemetrySubscriptions";
    case ApiKey::kPushTelemetry:
      return "PushTelemetry";
    case ApiKey::kAssignReplicasToDirs:
      return "AssignReplicasToDirs";
    case ApiKey::kListClientMetricsResources:
      return "ListClientMetricsResources";
    case ApiKey::kDescribeTopicPartitions:
      return "DescribeTopicPartitions";
    case ApiKey::kShareGroupHeartbeat:
      return "ShareGroupHeartbeat";
    case ApiKey::kShareGroupDescribe:
      return "ShareGroupDescribe";
    case ApiKey::kShareFetch:
      return "ShareFetch";
    case ApiKey::kShareAcknowledge:
      return "ShareAcknowledge";
    case ApiKey::kAddRaftVoter:
      return "AddRaftVoter";
    case ApiKey::kRemoveRaftVoter:
      return "RemoveRaftVoter";
    case ApiKey::kUpdateRaftVoter:
      return "UpdateRaftVoter";
    case ApiKey::kInitializeShareGroupState:
      return "InitializeShareGroupState";
    case ApiKey::kReadShareGroupState:
      return "ReadShareGroupState";
    case ApiKey::kWriteShareGroupState:
      return "WriteShareGroupState";
    case ApiKey::kDeleteShareGroupState:
      return "DeleteShareGroupState";
    case ApiKey::kReadShareGroupStateSummary:
      return "ReadShareGroupStateSummary";
  }
  return "Unknown";
}

}  // namespace sluice::kafka::protocol
