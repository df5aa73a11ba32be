// The generated codecs against bytes real clients send, and round trips of what the broker
// will answer.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "kafka/protocol/api_keys.h"
#include "kafka/protocol/header.h"
#include "kafka/protocol/messages/api_versions_response.h"
#include "kafka/protocol/messages/create_topics_response.h"
#include "kafka/protocol/messages/fetch_response.h"
#include "kafka/protocol/messages/message_versions.h"
#include "kafka/protocol/messages/request.h"
#include "kafka/protocol/wire.h"
#include "test_bytes.h"

namespace sluice::kafka::protocol {
namespace {

struct DecodedRequest {
  RequestHeader header;
  Request body;
  size_t bytes_left = 0;
};

// Decodes a whole request frame (header then body) as the broker will.
DecodedRequest decode_frame(const std::string& frame) {
  DecodedRequest out;
  Reader in(frame);
  Status status = decode_request_header(in, &out.header);
  EXPECT_TRUE(status.is_ok()) << status.to_string();
  status = decode_request(out.header.api_key, out.header.api_version, in, &out.body);
  EXPECT_TRUE(status.is_ok()) << status.to_string();
  out.bytes_left = in.remaining();
  return out;
}

std::string encode_frame(const DecodedRequest& request) {
  std::string out;
  Writer writer(&out);
  const RequestHeader& h = request.header;
  h.encode(writer, request_header_version(h.api_key, h.api_version));
  encode_request(request.body, h.api_version, writer);
  return out;
}

template <typename Message>
Message round_trip(const Message& message, int16_t version, std::string* wire) {
  Writer writer(wire);
  message.encode(writer, version);
  Reader in(*wire);
  Message decoded;
  Status status = decoded.decode(in, version);
  EXPECT_TRUE(status.is_ok()) << status.to_string();
  EXPECT_EQ(in.remaining(), 0u);
  return decoded;
}

TEST(KafkaMessages, ApiVersionsV0RequestIsJustAHeader) {
  const std::string frame =
      bytes({0x00, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01}) + classic_string("rdkafka");
  DecodedRequest request = decode_frame(frame);
  EXPECT_EQ(request.header.api_key, 18);
  EXPECT_EQ(request.header.api_version, 0);
  EXPECT_EQ(request.header.correlation_id, 1);
  EXPECT_EQ(request.header.client_id, "rdkafka");
  ASSERT_TRUE(std::holds_alternative<ApiVersionsRequest>(request.body));
  EXPECT_EQ(request.bytes_left, 0u);
  EXPECT_EQ(encode_frame(request), frame);
}

TEST(KafkaMessages, ApiVersionsV3RequestUsesHeaderV2AndCompactStrings) {
  const std::string frame = bytes({0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02}) +
                            classic_string("rdkafka") + bytes({0x00}) +
                            compact_string("librdkafka") + compact_string("2.0.2") + bytes({0x00});
  DecodedRequest request = decode_frame(frame);
  EXPECT_EQ(request.header.correlation_id, 2);
  EXPECT_EQ(request.header.client_id, "rdkafka");
  const auto& body = std::get<ApiVersionsRequest>(request.body);
  EXPECT_EQ(body.client_software_name, "librdkafka");
  EXPECT_EQ(body.client_software_version, "2.0.2");
  EXPECT_EQ(request.bytes_left, 0u);
  EXPECT_EQ(encode_frame(request), frame);
}

TEST(KafkaMessages, ApiVersionsV3ResponseHasNoHeaderTagsButABodyTagSection) {
  ApiVersionsResponse response;
  response.api_keys.push_back({.api_key = 18, .min_version = 0, .max_version = 3});
  std::string wire;
  Writer writer(&wire);
  ResponseHeader{.correlation_id = 2}.encode(writer, response_header_version(18, 3));
  response.encode(writer, 3);
  EXPECT_EQ(wire, bytes({0x00, 0x00, 0x00, 0x02,  // correlation id, no tagged fields
                         0x00, 0x00,              // error code
                         0x02,                    // one api key (compact: count + 1)
                         0x00, 0x12, 0x00, 0x00, 0x00, 0x03, 0x00,  // key 18, 0..3, no tags
                         0x00, 0x00, 0x00, 0x00,                    // throttle time
                         0x00}));  // no tagged fields: features are at their defaults
}

TEST(KafkaMessages, MetadataV1RequestNamesTopicsOrNullForAll) {
  const std::string header =
      bytes({0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07}) + classic_string("c");
  DecodedRequest named =
      decode_frame(header + bytes({0x00, 0x00, 0x00, 0x01}) + classic_string("orders"));
  const auto& topics = std::get<MetadataRequest>(named.body).topics;
  ASSERT_TRUE(topics.has_value());
  ASSERT_EQ(topics->size(), 1u);
  EXPECT_EQ((*topics)[0].name, "orders");
  EXPECT_EQ(named.bytes_left, 0u);

  DecodedRequest all = decode_frame(header + bytes({0xff, 0xff, 0xff, 0xff}));
  EXPECT_FALSE(std::get<MetadataRequest>(all.body).topics.has_value());
  EXPECT_EQ(encode_frame(all), header + bytes({0xff, 0xff, 0xff, 0xff}));
}

TEST(KafkaMessages, ProduceV3RecordsPointIntoTheRequestBuffer) {
  // The codec never looks inside a record batch; these are the 61 bytes of a v2 batch
  // holding one record with value "hello".
  const std::string batch =
      bytes({0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    49,   0,
             0,    0,    0,    2,    0x5c, 0x6d, 0x1f, 0x2e, 0,    0,    0,    0,    0,
             0,    0,    0,    1,    0x8b, 0x7a, 0xa1, 0xc2, 0,    0,    0,    0,    1,
             0x8b, 0x7a, 0xa1, 0xc2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
             0xff, 0xff, 0xff, 0xff, 0xff, 0,    0,    0,    1}) +
      "hello";
  const std::string frame = bytes({0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x09}) +
                            classic_string("producer") +
                            bytes({0xff, 0xff,                 // transactional id: null
                                   0xff, 0xff,                 // acks: -1 (all)
                                   0x00, 0x00, 0x75, 0x30,     // timeout 30000 ms
                                   0x00, 0x00, 0x00, 0x01}) +  // one topic
                            classic_string("orders") +
                            bytes({0x00, 0x00, 0x00, 0x01,   // one partition
                                   0x00, 0x00, 0x00, 0x02,   // partition 2
                                   0x00, 0x00, 0x00, 66}) +  // record bytes
                            batch;
  DecodedRequest request = decode_frame(frame);
  const auto& produce = std::get<ProduceRequest>(request.body);
  EXPECT_FALSE(produce.transactional_id.has_value());
  EXPECT_EQ(produce.acks, -1);
  EXPECT_EQ(produce.timeout_ms, 30000);
  ASSERT_EQ(produce.topic_data.size(), 1u);
  EXPECT_EQ(produce.topic_data[0].name, "orders");
  ASSERT_EQ(produce.topic_data[0].partition_data.size(), 1u);
  const auto& partition = produce.topic_data[0].partition_data[0];
  EXPECT_EQ(partition.index, 2);
  ASSERT_TRUE(partition.records.has_value());
  EXPECT_EQ(*partition.records, batch);
  // Zero copy: the view is the tail of the frame itself.
  EXPECT_EQ(partition.records->data(), frame.data() + frame.size() - batch.size());
  EXPECT_EQ(encode_frame(request), frame);
}

TEST(KafkaMessages, FetchV4ResponseRoundTripsWithAbortedTransactions) {
  const std::string records = "batchbytes";
  FetchResponse response;
  response.throttle_time_ms = 0;
  FetchResponse::PartitionData partition;
  partition.partition_index = 0;
  partition.high_watermark = 10;
  partition.last_stable_offset = 8;
  partition.aborted_transactions =
      std::vector<FetchResponse::AbortedTransaction>{{.producer_id = 7, .first_offset = 3}};
  partition.records = records;
  response.responses.push_back({.topic = "orders", .partitions = {partition}});

  std::string wire;
  FetchResponse decoded = round_trip(response, 4, &wire);
  EXPECT_EQ(decoded, response);
  // throttle 4, topics 4, name 2+6, partitions 4, index 4, error 2, high watermark 8,
  // last stable offset 8, aborted 4+16, records 4+10.
  EXPECT_EQ(wire.size(), 76u);
  EXPECT_EQ(decoded.responses[0].partitions[0].log_start_offset, -1);  // v5+ only
}

TEST(KafkaMessages, FetchV12ResponseRoundTripsTaggedLeaderAndDivergingEpoch) {
  const std::string records = "batch";
  FetchResponse response;
  response.error_code = 0;
  response.session_id = 1234;
  FetchResponse::PartitionData partition;
  partition.partition_index = 3;
  partition.high_watermark = 100;
  partition.last_stable_offset = 100;
  partition.log_start_offset = 5;
  partition.diverging_epoch = {.epoch = 2, .end_offset = 90};
  partition.current_leader = {.leader_id = 1, .leader_epoch = 4};
  partition.preferred_read_replica = -1;
  partition.records = records;
  FetchResponse::PartitionData untagged;
  untagged.partition_index = 4;
  untagged.aborted_transactions = std::nullopt;
  response.responses.push_back({.topic = "orders", .partitions = {partition, untagged}});

  std::string wire;
  FetchResponse decoded = round_trip(response, 12, &wire);
  EXPECT_EQ(decoded, response);
  EXPECT_EQ(decoded.responses[0].partitions[0].current_leader.leader_epoch, 4);
  EXPECT_EQ(decoded.responses[0].partitions[0].diverging_epoch.end_offset, 90);
  EXPECT_EQ(decoded.responses[0].partitions[0].snapshot_id.end_offset, -1);
  EXPECT_FALSE(decoded.responses[0].partitions[1].aborted_transactions.has_value());
  EXPECT_FALSE(decoded.responses[0].partitions[1].records.has_value());
  // The second partition carries no tagged fields; its encoding ends with an empty section
  // after its null records (compact 0), then the topic's and the response's empty sections.
  EXPECT_EQ(wire.substr(wire.size() - 4), bytes({0x00, 0x00, 0x00, 0x00}));
}

TEST(KafkaMessages, JoinGroupV5RequestMatchesKafkaBytes) {
  const std::string frame = bytes({0x00, 0x0b, 0x00, 0x05, 0x00, 0x00, 0x00, 0x04}) +
                            classic_string("consumer-1") + classic_string("g") +
                            bytes({0x00, 0x00, 0x27, 0x10,  // session timeout 10000
                                   0x00, 0x04, 0x93, 0xe0,  // rebalance timeout 300000
                                   0x00, 0x00,              // member id ""
                                   0xff, 0xff}) +           // group instance id: null
                            classic_string("consumer") +
                            bytes({0x00, 0x00, 0x00, 0x01}) + classic_string("range") +
                            bytes({0x00, 0x00, 0x00, 0x02, 0x00, 0x01});
  DecodedRequest request = decode_frame(frame);
  const auto& join = std::get<JoinGroupRequest>(request.body);
  EXPECT_EQ(join.group_id, "g");
  EXPECT_EQ(join.session_timeout_ms, 10000);
  EXPECT_EQ(join.rebalance_timeout_ms, 300000);
  EXPECT_EQ(join.member_id, "");
  EXPECT_FALSE(join.group_instance_id.has_value());
  EXPECT_EQ(join.protocol_type, "consumer");
  ASSERT_EQ(join.protocols.size(), 1u);
  EXPECT_EQ(join.protocols[0].name, "range");
  EXPECT_EQ(join.protocols[0].metadata, bytes({0x00, 0x01}));
  EXPECT_FALSE(join.reason.has_value());  // v8+ only
  EXPECT_EQ(request.bytes_left, 0u);
  EXPECT_EQ(encode_frame(request), frame);
}

TEST(KafkaMessages, OffsetCommitV2RequestCarriesRetentionTime) {
  const std::string frame = bytes({0x00, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00, 0x05}) +
                            classic_string("c") + classic_string("g") +
                            bytes({0x00, 0x00, 0x00, 0x03}) + classic_string("m") +
                            bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // retention
                                   0x00, 0x00, 0x00, 0x01}) +
                            classic_string("orders") +
                            bytes({0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,  // partition 0
                                   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,  // offset 42
                                   0x00, 0x00});                                    // metadata ""
  DecodedRequest request = decode_frame(frame);
  const auto& commit = std::get<OffsetCommitRequest>(request.body);
  EXPECT_EQ(commit.group_id, "g");
  EXPECT_EQ(commit.generation_id_or_member_epoch, 3);
  EXPECT_EQ(commit.member_id, "m");
  EXPECT_EQ(commit.retention_time_ms, -1);
  ASSERT_EQ(commit.topics.size(), 1u);
  ASSERT_EQ(commit.topics[0].partitions.size(), 1u);
  EXPECT_EQ(commit.topics[0].partitions[0].committed_offset, 42);
  EXPECT_EQ(commit.topics[0].partitions[0].committed_metadata, "");
  EXPECT_EQ(commit.topics[0].partitions[0].committed_leader_epoch, -1);  // v6+ only
  EXPECT_EQ(encode_frame(request), frame);
}

TEST(KafkaMessages, CreateTopicsV5ResponseWritesTaggedConfigErrorOnlyWhenSet) {
  CreateTopicsResponse response;
  CreateTopicsResponse::CreatableTopicResult topic;
  topic.name = "orders";
  topic.error_message = std::nullopt;
  topic.num_partitions = 3;
  topic.replication_factor = 1;
  topic.configs = std::vector<CreateTopicsResponse::CreatableTopicConfigs>{
      {.name = "cleanup.policy", .value = "delete", .config_source = 5}};
  topic.topic_config_error_code = 29;
  response.topics.push_back(topic);

  const std::string expected_prefix =
      bytes({0x00, 0x00, 0x00, 0x00, 0x02}) + compact_string("orders") +
      bytes({0x00, 0x00,                          // error code
             0x00,                                // error message: null
             0x00, 0x00, 0x00, 0x03, 0x00, 0x01,  // 3 partitions, replication factor 1
             0x02}) +                             // one config
      compact_string("cleanup.policy") +
      compact_string("delete") +
      bytes({0x00, 0x05, 0x00, 0x00});  // not read-only, source 5, not sensitive, no tags
  std::string wire;
  EXPECT_EQ(round_trip(response, 5, &wire), response);
  EXPECT_EQ(wire, expected_prefix + bytes({0x01, 0x00, 0x02, 0x00, 0x1d,  // tag 0 = 29
                                           0x00}));

  response.topics[0].topic_config_error_code = 0;
  std::string untagged;
  EXPECT_EQ(round_trip(response, 5, &untagged), response);
  EXPECT_EQ(untagged, expected_prefix + bytes({0x00, 0x00}));
}

TEST(KafkaMessages, EveryRequestDecodesItsOwnEncodingAtEveryVersion) {
  for (int16_t key = 0; key < 100; ++key) {
    const auto versions = message_versions(key);
    if (!versions) continue;
    for (int16_t version = versions->min_version; version <= versions->max_version; ++version) {
      const std::optional<Request> empty = make_request(key);
      ASSERT_TRUE(empty.has_value());
      std::string wire;
      Writer writer(&wire);
      encode_request(*empty, version, writer);
      Reader in(wire);
      Request decoded;
      Status status = decode_request(key, version, in, &decoded);
      EXPECT_TRUE(status.is_ok()) << api_key_name(static_cast<ApiKey>(key)) << " v" << version
                                  << ": " << status.to_string();
      EXPECT_EQ(in.remaining(), 0u);
      EXPECT_EQ(decoded, *empty) << api_key_name(static_cast<ApiKey>(key)) << " v" << version;
    }
  }
}

}  // namespace
}  // namespace sluice::kafka::protocol
