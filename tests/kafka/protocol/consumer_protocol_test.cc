#include "kafka/protocol/consumer_protocol.h"

#include <gtest/gtest.h>

#include "test_bytes.h"

namespace sluice::kafka::protocol {
namespace {

TEST(ConsumerProtocol, ReadsTheTopicsOfEveryVersion) {
  // v0 as kafka-python sends it: version, topics, user data.
  const std::string v0 = bytes({0, 0, 0, 0, 0, 2}) + classic_string("orders") +
                         classic_string("payments") + bytes({0, 0, 0, 0});
  auto topics = decode_subscription_topics(v0);
  ASSERT_TRUE(topics.is_ok()) << topics.status().to_string();
  EXPECT_EQ(*topics, (std::vector<std::string>{"orders", "payments"}));

  // v3 (librdkafka 2.x) carries owned partitions, generation and rack after the topics.
  const std::string v3 = bytes({0, 3, 0, 0, 0, 1}) + classic_string("t") +
                         bytes({0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 5, 0xff, 0xff});
  topics = decode_subscription_topics(v3);
  ASSERT_TRUE(topics.is_ok());
  EXPECT_EQ(*topics, std::vector<std::string>{"t"});
}

TEST(ConsumerProtocol, RejectsTruncatedOrNonsenseMetadata) {
  EXPECT_FALSE(decode_subscription_topics("").is_ok());
  EXPECT_FALSE(decode_subscription_topics(bytes({0, 0, 0, 0, 0, 3}) + classic_string("a")).is_ok());
  EXPECT_FALSE(decode_subscription_topics(bytes({0xff, 0xff, 0, 0, 0, 0})).is_ok());
  EXPECT_FALSE(decode_subscription_topics(bytes({0, 0, 0x7f, 0xff, 0xff, 0xff})).is_ok());
}

}  // namespace
}  // namespace sluice::kafka::protocol
