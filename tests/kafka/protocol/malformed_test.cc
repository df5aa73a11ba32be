// Malformed input must give an error, never a crash, a hang or a huge allocation.
#include <gtest/gtest.h>

#include <string>

#include "allocation_tracker.h"
#include "kafka/protocol/messages/api_versions_request.h"
#include "kafka/protocol/messages/api_versions_response.h"
#include "kafka/protocol/messages/create_topics_response.h"
#include "kafka/protocol/messages/fetch_response.h"
#include "kafka/protocol/messages/join_group_request.h"
#include "kafka/protocol/messages/metadata_request.h"
#include "kafka/protocol/messages/produce_request.h"
#include "kafka/protocol/wire.h"
#include "test_bytes.h"

namespace sluice::kafka::protocol {
namespace {

constexpr size_t kSmallAllocation = 4096;

template <typename Message>
std::string encode(const Message& message, int16_t version) {
  std::string wire;
  Writer writer(&wire);
  message.encode(writer, version);
  return wire;
}

// Decodes every strict prefix of `wire`; each must fail as corruption.
template <typename Message>
void expect_every_truncation_fails(const std::string& wire, int16_t version) {
  {
    Reader whole(wire);
    Message message;
    ASSERT_TRUE(message.decode(whole, version).is_ok());
    ASSERT_EQ(whole.remaining(), 0u);
  }
  for (size_t length = 0; length < wire.size(); ++length) {
    const std::string prefix = wire.substr(0, length);
    Reader in(prefix);
    Message message;
    Status status = message.decode(in, version);
    EXPECT_EQ(status.code(), StatusCode::kCorruption) << "prefix of " << length << " bytes";
  }
}

template <typename Message>
Status decode_tracking_allocations(const std::string& wire, int16_t version) {
  Message message;
  Reader in(wire);
  reset_largest_allocation();
  Status status = message.decode(in, version);
  EXPECT_LT(largest_allocation(), kSmallAllocation);
  return status;
}

ProduceRequest sample_produce() {
  ProduceRequest produce;
  produce.transactional_id = "txn";
  produce.acks = 1;
  produce.timeout_ms = 1000;
  produce.topic_data.push_back(
      {.name = "orders", .partition_data = {{.index = 0, .records = "batch-bytes"}}});
  return produce;
}

FetchResponse sample_fetch() {
  FetchResponse fetch;
  FetchResponse::PartitionData partition;
  partition.partition_index = 1;
  partition.high_watermark = 5;
  partition.current_leader = {.leader_id = 1, .leader_epoch = 2};
  partition.records = "recs";
  fetch.responses.push_back({.topic = "orders", .partitions = {partition}});
  return fetch;
}

TEST(KafkaMalformed, AllocationTrackerSeesLargeAllocations) {
  // Guards the tests below: a tracker that saw nothing would pass them all.
  reset_largest_allocation();
  const std::string big(100000, 'x');
  EXPECT_GE(largest_allocation(), big.size());
}

TEST(KafkaMalformed, TruncatedProduceV3FailsAtEveryByte) {
  expect_every_truncation_fails<ProduceRequest>(encode(sample_produce(), 3), 3);
}

TEST(KafkaMalformed, TruncatedProduceV9FailsAtEveryByte) {
  expect_every_truncation_fails<ProduceRequest>(encode(sample_produce(), 9), 9);
}

TEST(KafkaMalformed, TruncatedFetchV12ResponseFailsAtEveryByte) {
  expect_every_truncation_fails<FetchResponse>(encode(sample_fetch(), 12), 12);
}

TEST(KafkaMalformed, TruncatedApiVersionsV3ResponseFailsAtEveryByte) {
  ApiVersionsResponse response;
  response.api_keys.push_back({.api_key = 0, .min_version = 0, .max_version = 8});
  response.supported_features.push_back({.name = "f", .min_version = 1, .max_version = 2});
  response.finalized_features_epoch = 3;
  expect_every_truncation_fails<ApiVersionsResponse>(encode(response, 3), 3);
}

TEST(KafkaMalformed, TruncatedJoinGroupV5FailsAtEveryByte) {
  JoinGroupRequest join;
  join.group_id = "g";
  join.protocol_type = "consumer";
  join.protocols.push_back({.name = "range", .metadata = "meta"});
  expect_every_truncation_fails<JoinGroupRequest>(encode(join, 5), 5);
}

TEST(KafkaMalformed, HugeArrayCountFailsWithoutAllocating) {
  // Metadata v1: topics count 2^31 - 1 with nothing after it.
  Status status = decode_tracking_allocations<MetadataRequest>(bytes({0x7f, 0xff, 0xff, 0xff}), 1);
  EXPECT_EQ(status.code(), StatusCode::kCorruption);
}

TEST(KafkaMalformed, HugeCompactArrayCountFailsWithoutAllocating) {
  // CreateTopics v5 response: throttle time, then a topics count of 2^32 - 2.
  Status status = decode_tracking_allocations<CreateTopicsResponse>(
      bytes({0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f}), 5);
  EXPECT_EQ(status.code(), StatusCode::kCorruption);
}

TEST(KafkaMalformed, NegativeArrayCountIsCorruption) {
  Status status = decode_tracking_allocations<MetadataRequest>(bytes({0xff, 0xff, 0xff, 0xfb}), 1);
  EXPECT_EQ(status.code(), StatusCode::kCorruption);
}

TEST(KafkaMalformed, HugeRecordsLengthFailsWithoutAllocating) {
  std::string wire = encode(sample_produce(), 3);
  // The records length is the int32 before the last 11 bytes ("batch-bytes").
  const size_t at = wire.size() - 11 - 4;
  wire.replace(at, 4, bytes({0x7f, 0xff, 0xff, 0xff}));
  Status status = decode_tracking_allocations<ProduceRequest>(wire, 3);
  EXPECT_EQ(status.code(), StatusCode::kCorruption);
}

TEST(KafkaMalformed, HugeAndNegativeStringLengthsFail) {
  // JoinGroup v5 starts with the group id string.
  for (const std::string& length : {bytes({0x7f, 0xff}), bytes({0xff, 0xfe}), bytes({0x80, 0})}) {
    Status status =
        decode_tracking_allocations<JoinGroupRequest>(length + std::string(100, 'x'), 5);
    EXPECT_EQ(status.code(), StatusCode::kCorruption);
  }
}

TEST(KafkaMalformed, HugeAndNegativeBytesLengthsFail) {
  JoinGroupRequest join;
  join.protocols.push_back({.name = "range", .metadata = "meta"});
  const std::string wire = encode(join, 5);
  for (const std::string& length :
       {bytes({0x7f, 0xff, 0xff, 0xff}), bytes({0xff, 0xff, 0xff, 0xfe})}) {
    // The metadata length is the int32 before the last 4 bytes.
    std::string bad = wire;
    bad.replace(bad.size() - 8, 4, length);
    Status status = decode_tracking_allocations<JoinGroupRequest>(bad, 5);
    EXPECT_EQ(status.code(), StatusCode::kCorruption);
  }
}

TEST(KafkaMalformed, UnknownTaggedFieldsAreSkipped) {
  // ApiVersions v3 request body with an unknown tag 9 carrying three bytes.
  const std::string wire = compact_string("librdkafka") + compact_string("2.0.2") +
                           bytes({0x01, 0x09, 0x03, 0xaa, 0xbb, 0xcc});
  Reader in(wire);
  ApiVersionsRequest request;
  ASSERT_TRUE(request.decode(in, 3).is_ok());
  EXPECT_EQ(request.client_software_name, "librdkafka");
  EXPECT_EQ(request.client_software_version, "2.0.2");
  EXPECT_EQ(in.remaining(), 0u);
}

TEST(KafkaMalformed, UnknownTagsBesideKnownOnesInNestedStructs) {
  CreateTopicsResponse response;
  response.topics.push_back({.name = "t"});
  std::string wire = encode(response, 5);
  // The topic's tag section is the second-to-last byte; give it tag 0 = 36 and tag 4.
  wire.replace(wire.size() - 2, 1, bytes({0x02, 0x00, 0x02, 0x00, 0x24, 0x04, 0x01, 0x00}));
  Reader in(wire);
  CreateTopicsResponse decoded;
  ASSERT_TRUE(decoded.decode(in, 5).is_ok());
  ASSERT_EQ(decoded.topics.size(), 1u);
  EXPECT_EQ(decoded.topics[0].topic_config_error_code, 36);
  EXPECT_EQ(in.remaining(), 0u);
}

TEST(KafkaMalformed, TaggedFieldLongerThanTheInputFails) {
  const std::string wire =
      compact_string("a") + compact_string("b") + bytes({0x01, 0x09, 0x7f, 0xaa});
  Reader in(wire);
  ApiVersionsRequest request;
  EXPECT_EQ(request.decode(in, 3).code(), StatusCode::kCorruption);
}

TEST(KafkaMalformed, UnsupportedVersionIsInvalidArgument) {
  const std::string wire;
  Reader in(wire);
  ProduceRequest request;
  Status status = request.decode(in, 12);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "ProduceRequest v12 is not supported");
}

}  // namespace
}  // namespace sluice::kafka::protocol
