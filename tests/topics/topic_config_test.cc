#include "topics/topic_config.h"

#include <gtest/gtest.h>

namespace sluice::topics {
namespace {

TEST(TopicConfig, KafkaKeysMapOntoTheLogConfig) {
  const ConfigMap overrides = {{"retention.ms", "60000"},
                               {"retention.bytes", "1048576"},
                               {"segment.bytes", "524288"},
                               {"segment.ms", "3600000"},
                               {"max.message.bytes", "2000"},
                               {"cleanup.policy", "delete"},
                               {"message.timestamp.type", "LogAppendTime"},
                               {"min.insync.replicas", "2"},
                               {"sluice.fsync.policy", "never"}};
  ASSERT_TRUE(validate_topic_configs(overrides).is_ok());
  const auto config = effective_log_config(storage::LogConfig{}, overrides);
  EXPECT_EQ(config.retention_ms, 60000);
  EXPECT_EQ(config.retention_bytes, 1048576);
  EXPECT_EQ(config.segment_bytes, 524288);
  EXPECT_EQ(config.segment_ms, 3600000);
  EXPECT_EQ(config.max_batch_bytes, 2000);
  EXPECT_EQ(config.timestamp_type, storage::TimestampType::kLogAppendTime);
  EXPECT_EQ(config.fsync, storage::FsyncPolicy::never());
}

TEST(TopicConfig, BadKeysAndValuesAreRejectedByName) {
  const std::pair<const char*, const char*> bad[] = {{"retention.ms", "soon"},
                                                     {"retention.ms", "-2"},
                                                     {"segment.bytes", "10"},
                                                     {"cleanup.policy", "compact"},
                                                     {"message.timestamp.type", "Now"},
                                                     {"no.such.key", "1"},
                                                     {"sluice.fsync.policy", "sometimes"}};
  for (const auto& [key, value] : bad) {
    auto status = validate_topic_configs({{key, value}});
    ASSERT_FALSE(status.is_ok()) << key << "=" << value;
    EXPECT_NE(status.message().find(key), std::string::npos) << status.message();
  }
}

TEST(TopicConfig, DescribeShowsEveryKeyWithOverridesWinning) {
  const auto all = effective_topic_configs(storage::LogConfig{}, {{"retention.ms", "5"}});
  EXPECT_EQ(all.at("retention.ms"), "5");
  EXPECT_EQ(all.at("cleanup.policy"), "delete");
  EXPECT_EQ(all.at("message.timestamp.type"), "CreateTime");
  EXPECT_EQ(all.at("segment.bytes"), std::to_string(int64_t{1} << 30));
}

}  // namespace
}  // namespace sluice::topics
