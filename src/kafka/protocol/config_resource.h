// Kafka's ConfigResource.Type values: what DescribeConfigs, AlterConfigs and
// IncrementalAlterConfigs name in their resource_type fields.
#pragma once

#include <cstdint>

namespace sluice::kafka::protocol {

constexpr int8_t kTopicResource = 2;
constexpr int8_t kBrokerResource = 4;
constexpr int8_t kBrokerLoggerResource = 8;

}  // namespace sluice::kafka::protocol
