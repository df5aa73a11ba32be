#include "kafka/protocol/header.h"

#include <gtest/gtest.h>

#include <string>

#include "kafka/protocol/api_keys.h"
#include "kafka/protocol/messages/message_versions.h"
#include "test_bytes.h"

namespace sluice::kafka::protocol {
namespace {

constexpr int16_t key(ApiKey k) {
  return static_cast<int16_t>(k);
}

TEST(KafkaHeader, FlexibleRequestsUseHeaderV2AndOthersV1) {
  EXPECT_EQ(request_header_version(key(ApiKey::kApiVersions), 2), 1);
  EXPECT_EQ(request_header_version(key(ApiKey::kApiVersions), 3), 2);
  EXPECT_EQ(request_header_version(key(ApiKey::kFetch), 11), 1);
  EXPECT_EQ(request_header_version(key(ApiKey::kFetch), 12), 2);
  EXPECT_EQ(request_header_version(key(ApiKey::kSaslHandshake), 1), 1);
  // A newer client's version of a known API is still flexible: flexibility never ends.
  EXPECT_EQ(request_header_version(key(ApiKey::kMetadata), 99), 2);
  EXPECT_EQ(request_header_version(/*api_key=*/999, 0), 1);
}

TEST(KafkaHeader, ApiVersionsResponsesAlwaysUseHeaderV0) {
  EXPECT_EQ(response_header_version(key(ApiKey::kApiVersions), 0), 0);
  EXPECT_EQ(response_header_version(key(ApiKey::kApiVersions), 3), 0);
  EXPECT_EQ(response_header_version(key(ApiKey::kApiVersions), 4), 0);
  EXPECT_EQ(response_header_version(key(ApiKey::kMetadata), 8), 0);
  EXPECT_EQ(response_header_version(key(ApiKey::kMetadata), 9), 1);
  EXPECT_EQ(response_header_version(key(ApiKey::kInitProducerId), 2), 1);
}

TEST(KafkaHeader, UnsupportedVersionStillYieldsCorrelationId) {
  // ApiVersions v9 from some future client: flexible framing, unknown body.
  const std::string frame = bytes({0x00, 0x12, 0x00, 0x09, 0x00, 0x00, 0x01, 0x00}) +
                            classic_string("future") + bytes({0x00}) + "body";
  Reader in(frame);
  RequestHeader header;
  ASSERT_TRUE(decode_request_header(in, &header).is_ok());
  EXPECT_EQ(header.api_key, 18);
  EXPECT_EQ(header.api_version, 9);
  EXPECT_EQ(header.correlation_id, 256);
  EXPECT_EQ(header.client_id, "future");
  EXPECT_EQ(in.rest(), "body");
  EXPECT_FALSE(is_valid_version(header.api_key, header.api_version));
}

TEST(KafkaHeader, UnknownApiKeyDecodesAsHeaderV1) {
  const std::string frame =
      bytes({0x03, 0xe7, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, 0xff, 0xff}) + "rest";
  Reader in(frame);
  RequestHeader header;
  ASSERT_TRUE(decode_request_header(in, &header).is_ok());
  EXPECT_EQ(header.api_key, 999);
  EXPECT_EQ(header.correlation_id, 42);
  EXPECT_FALSE(header.client_id.has_value());
  EXPECT_EQ(in.rest(), "rest");
}

TEST(KafkaHeader, HeaderTaggedFieldsFromNewerClientsAreSkipped) {
  const std::string frame = bytes({0x00, 0x03, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x05}) +
                            classic_string("c") + bytes({0x01, 0x07, 0x02, 0xab, 0xcd}) +
                            "body";  // tag 7, 2 bytes
  Reader in(frame);
  RequestHeader header;
  ASSERT_TRUE(decode_request_header(in, &header).is_ok());
  EXPECT_EQ(header.correlation_id, 5);
  EXPECT_EQ(in.rest(), "body");
}

TEST(KafkaHeader, TruncatedHeaderIsCorruption) {
  const std::string frame = bytes({0x00, 0x12, 0x00});
  Reader in(frame);
  RequestHeader header;
  Status status = decode_request_header(in, &header);
  EXPECT_EQ(status.code(), StatusCode::kCorruption);
}

TEST(KafkaHeader, ResponseHeaderV1EndsWithEmptyTagSection) {
  std::string wire;
  Writer writer(&wire);
  ResponseHeader{.correlation_id = 7}.encode(writer, 1);
  EXPECT_EQ(wire, bytes({0x00, 0x00, 0x00, 0x07, 0x00}));
  Reader in(wire);
  ResponseHeader decoded;
  ASSERT_TRUE(decoded.decode(in, 1).is_ok());
  EXPECT_EQ(decoded.correlation_id, 7);
  EXPECT_EQ(in.remaining(), 0u);
}

TEST(KafkaHeader, VersionTableMatchesKafkaSchemas) {
  EXPECT_TRUE(is_valid_version(key(ApiKey::kProduce), 11));
  EXPECT_FALSE(is_valid_version(key(ApiKey::kProduce), 12));
  EXPECT_FALSE(is_valid_version(key(ApiKey::kProduce), -1));
  EXPECT_TRUE(is_flexible_version(key(ApiKey::kFetch), 12));
  EXPECT_FALSE(is_flexible_version(key(ApiKey::kFetch), 11));
  EXPECT_FALSE(is_flexible_version(key(ApiKey::kSaslHandshake), 1));
  // Share groups and the KIP-848 heartbeat are not served.
  EXPECT_FALSE(message_versions(key(ApiKey::kShareFetch)).has_value());
  EXPECT_FALSE(message_versions(key(ApiKey::kConsumerGroupHeartbeat)).has_value());
  const auto fetch = message_versions(key(ApiKey::kFetch));
  ASSERT_TRUE(fetch.has_value());
  EXPECT_EQ(fetch->min_version, 0);
  EXPECT_EQ(fetch->max_version, 17);
  EXPECT_EQ(fetch->first_flexible_version, 12);
}

}  // namespace
}  // namespace sluice::kafka::protocol
