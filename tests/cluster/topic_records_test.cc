#include "cluster/topic_records.h"

#include <gtest/gtest.h>

namespace sluice::cluster {
namespace {

TEST(TopicRecords, TopicRecordRoundTrips) {
  TopicRecord record{
      "orders", "AAAAAAAAAAAAAAAAAAAAAA", {{1, 2, 3}, {2, 3, 1}}, {{"retention.ms", "1000"}}};
  auto decoded = decode_topic_record(encode_topic_record(record));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, record);
  EXPECT_EQ(decoded->partitions(), 2);
}

TEST(TopicRecords, PartitionStateRoundTrips) {
  PartitionState state{2, 7, {2, 3}};
  auto decoded = decode_partition_state(encode_partition_state(state));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, state);
}

TEST(TopicRecords, MalformedRecordsAreRefused) {
  EXPECT_FALSE(decode_topic_record("not json"));
  EXPECT_FALSE(decode_topic_record(R"({"name":"t"})"));
  EXPECT_FALSE(decode_topic_record(R"({"name":"t","replicas":[]})"));
  EXPECT_FALSE(decode_topic_record(R"({"name":"t","replicas":[[]]})"));
  EXPECT_FALSE(decode_topic_record(R"({"name":"t","replicas":[["1"]]})"));
  EXPECT_FALSE(decode_partition_state(R"({"leader":1,"isr":[1]})"));
  EXPECT_FALSE(decode_partition_state(R"({"leader":1,"leader_epoch":0,"isr":"1"})"));
}

}  // namespace
}  // namespace sluice::cluster
