#include "kafka/server/supported_apis.h"

namespace sluice::kafka::server {

using protocol::ApiKey;

const std::vector<ApiRange>& supported_apis() {
  // One API per line; keep docs/kafka.md in step.
  // clang-format off
  static const std::vector<ApiRange> apis = {
      {ApiKey::kProduce, 0, 8},
      {ApiKey::kFetch, 4, 11},
      {ApiKey::kListOffsets, 1, 5},
      {ApiKey::kMetadata, 0, 8},
      {ApiKey::kOffsetCommit, 0, 7},
      {ApiKey::kOffsetFetch, 0, 5},
      {ApiKey::kFindCoordinator, 0, 2},
      {ApiKey::kJoinGroup, 0, 5},
      {ApiKey::kHeartbeat, 0, 3},
      {ApiKey::kLeaveGroup, 0, 3},
      {ApiKey::kSyncGroup, 0, 3},
      {ApiKey::kDescribeGroups, 0, 4},
      {ApiKey::kListGroups, 0, 2},
      {ApiKey::kApiVersions, 0, 3},
      {ApiKey::kCreateTopics, 0, 4},
      {ApiKey::kDeleteTopics, 0, 3},
      {ApiKey::kInitProducerId, 0, 1},
      {ApiKey::kOffsetForLeaderEpoch, 0, 3},
      {ApiKey::kDeleteRecords, 0, 1},
      {ApiKey::kDescribeConfigs, 0, 2},
      {ApiKey::kAlterConfigs, 0, 2},
      {ApiKey::kCreatePartitions, 0, 1},
      {ApiKey::kDeleteGroups, 0, 2},
      {ApiKey::kIncrementalAlterConfigs, 0, 1},
      {ApiKey::kOffsetDelete, 0, 0},
  };
  // clang-format on
  return apis;
}

std::optional<ApiRange> supported_api(int16_t api_key) {
  for (const auto& api : supported_apis()) {
    if (static_cast<int16_t>(api.key) == api_key) return api;
  }
  return std::nullopt;
}

}  // namespace sluice::kafka::server
