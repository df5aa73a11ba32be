// Topic configuration as Kafka clients see it (CreateTopics configs, DescribeConfigs,
// AlterConfigs): string keys and values, checked and turned into a storage::LogConfig.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/partition_log.h"

namespace sluice::topics {

using ConfigMap = std::map<std::string, std::string>;

// Checks every key and value of `overrides` (Kafka's key names, plus sluice.fsync.policy);
// InvalidArgument names the first bad key.
Status validate_topic_configs(const ConfigMap& overrides);

// The log configuration for a topic: `defaults` with `overrides` applied.
// REQUIRES: validate_topic_configs(overrides) is OK.
storage::LogConfig effective_log_config(const storage::LogConfig& defaults,
                                        const ConfigMap& overrides);

// The value of every supported key for a topic, overrides first, else the default.
ConfigMap effective_topic_configs(const storage::LogConfig& defaults, const ConfigMap& overrides);

}  // namespace sluice::topics
