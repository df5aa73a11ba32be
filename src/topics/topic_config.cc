#include "topics/topic_config.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <optional>

namespace sluice::topics {
namespace {

constexpr const char* kRetentionMs = "retention.ms";
constexpr const char* kRetentionBytes = "retention.bytes";
constexpr const char* kSegmentBytes = "segment.bytes";
constexpr const char* kSegmentMs = "segment.ms";
constexpr const char* kCleanupPolicy = "cleanup.policy";
constexpr const char* kMaxMessageBytes = "max.message.bytes";
constexpr const char* kTimestampType = "message.timestamp.type";
constexpr const char* kMinInsyncReplicas = "min.insync.replicas";
constexpr const char* kFsyncPolicy = "sluice.fsync.policy";

std::optional<int64_t> parse_int(const std::string& text) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Status check_int(const std::string& key, const std::string& value, int64_t min, int64_t max) {
  auto parsed = parse_int(value);
  if (!parsed || *parsed < min || *parsed > max) {
    return Status::invalid_argument("config " + key + "=" + value + ": expected an integer in [" +
                                    std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return Status::ok();
}

std::string timestamp_type_name(storage::TimestampType type) {
  return type == storage::TimestampType::kLogAppendTime ? "LogAppendTime" : "CreateTime";
}

}  // namespace

Status validate_topic_configs(const ConfigMap& overrides) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  for (const auto& [key, value] : overrides) {
    if (key == kRetentionMs || key == kRetentionBytes) {
      SLUICE_RETURN_IF_ERROR(check_int(key, value, -1, kMax));
    } else if (key == kSegmentBytes) {
      SLUICE_RETURN_IF_ERROR(check_int(key, value, 14, std::numeric_limits<int32_t>::max()));
    } else if (key == kSegmentMs) {
      SLUICE_RETURN_IF_ERROR(check_int(key, value, 1, kMax));
    } else if (key == kMaxMessageBytes) {
      SLUICE_RETURN_IF_ERROR(check_int(key, value, 0, std::numeric_limits<int32_t>::max()));
    } else if (key == kMinInsyncReplicas) {
      SLUICE_RETURN_IF_ERROR(check_int(key, value, 1, std::numeric_limits<int32_t>::max()));
    } else if (key == kCleanupPolicy) {
      if (value != "delete") {
        return Status::invalid_argument("config cleanup.policy=" + value +
                                        ": only 'delete' is supported");
      }
    } else if (key == kTimestampType) {
      if (value != "CreateTime" && value != "LogAppendTime") {
        return Status::invalid_argument("config message.timestamp.type=" + value +
                                        ": expected CreateTime or LogAppendTime");
      }
    } else if (key == kFsyncPolicy) {
      if (auto policy = storage::FsyncPolicy::parse(value); !policy.is_ok()) {
        return Status::invalid_argument("config " + key + ": " + policy.status().message());
      }
    } else {
      return Status::invalid_argument("unknown topic config '" + key + "'");
    }
  }
  return Status::ok();
}

storage::LogConfig effective_log_config(const storage::LogConfig& defaults,
                                        const ConfigMap& overrides) {
  storage::LogConfig config = defaults;
  auto int_of = [&](const char* key, int64_t* out) {
    if (auto it = overrides.find(key); it != overrides.end()) *out = *parse_int(it->second);
  };
  int_of(kRetentionMs, &config.retention_ms);
  int_of(kRetentionBytes, &config.retention_bytes);
  int_of(kSegmentBytes, &config.segment_bytes);
  int_of(kSegmentMs, &config.segment_ms);
  int_of(kMaxMessageBytes, &config.max_batch_bytes);
  if (auto it = overrides.find(kTimestampType); it != overrides.end()) {
    config.timestamp_type = it->second == "LogAppendTime" ? storage::TimestampType::kLogAppendTime
                                                          : storage::TimestampType::kCreateTime;
  }
  if (auto it = overrides.find(kFsyncPolicy); it != overrides.end()) {
    config.fsync = *storage::FsyncPolicy::parse(it->second);
  }
  return config;
}

ConfigMap effective_topic_configs(const storage::LogConfig& defaults, const ConfigMap& overrides) {
  const storage::LogConfig config = effective_log_config(defaults, overrides);
  ConfigMap all = {
      {kCleanupPolicy, "delete"},
      {kMaxMessageBytes, std::to_string(config.max_batch_bytes)},
      {kMinInsyncReplicas, "1"},
      {kTimestampType, timestamp_type_name(config.timestamp_type)},
      {kRetentionBytes, std::to_string(config.retention_bytes)},
      {kRetentionMs, std::to_string(config.retention_ms)},
      {kSegmentBytes, std::to_string(config.segment_bytes)},
      {kSegmentMs, std::to_string(config.segment_ms)},
      {kFsyncPolicy, config.fsync.to_string()},
  };
  for (const auto& [key, value] : overrides) all[key] = value;
  return all;
}

}  // namespace sluice::topics
