#include "kafka/server/supported_apis.h"

namespace sluice::kafka::server {

using protocol::ApiKey;

const std::vector<ApiRange>& supported_apis() {
  static const std::vector<ApiRange> apis = {
      {ApiKey::kProduce, 0, 8},      {ApiKey::kFetch, 4, 11},
      {ApiKey::kListOffsets, 1, 5},  {ApiKey::kMetadata, 0, 8},
      {ApiKey::kApiVersions, 0, 3},  {ApiKey::kCreateTopics, 0, 4},
      {ApiKey::kDeleteTopics, 0, 3}, {ApiKey::kFindCoordinator, 0, 2},
  };
  return apis;
}

std::optional<ApiRange> supported_api(int16_t api_key) {
  for (const auto& api : supported_apis()) {
    if (static_cast<int16_t>(api.key) == api_key) return api;
  }
  return std::nullopt;
}

}  // namespace sluice::kafka::server
