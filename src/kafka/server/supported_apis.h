// The APIs and versions this broker advertises in ApiVersions and accepts.
//
// Ranges follow what the target clients need (docs/kafka.md explains each): Produce is
// advertised from v0 because librdkafka only compresses when Produce v0 is in range, but
// v0-2 (message format v0/v1) are answered with UNSUPPORTED_VERSION, as Kafka 4 does.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "kafka/protocol/api_keys.h"

namespace sluice::kafka::server {

struct ApiRange {
  protocol::ApiKey key;
  int16_t min_version;
  int16_t max_version;
};

const std::vector<ApiRange>& supported_apis();
// nullopt when the broker does not serve `api_key` at all.
std::optional<ApiRange> supported_api(int16_t api_key);

}  // namespace sluice::kafka::server
