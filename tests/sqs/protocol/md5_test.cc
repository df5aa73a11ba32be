// Vectors: the published aws-md5-of-message-attributes vector (notes/sqs-compat.md section 3)
// and digests computed with an independent Python implementation of the documented algorithm
// (hashlib over struct.pack('>I', len) framing).
#include "sqs/protocol/md5.h"

#include <gtest/gtest.h>

namespace sluice::sqs::protocol {
namespace {

MessageAttributeValue string_value(std::string type, std::string text) {
  return {std::move(type), std::move(text), std::nullopt};
}
MessageAttributeValue binary_value(std::string type, std::string bytes) {
  return {std::move(type), std::nullopt, std::move(bytes)};
}

TEST(SqsMd5Test, BodyDigestIsHexMd5OfTheBytes) {
  EXPECT_EQ(md5_of_message_body(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5_of_message_body("hello \xC3\xA9 & <x>"), "0eafc953b5a38f8fea21c9e5d5c0708f");
}

TEST(SqsMd5Test, PublishedAttributeVector) {
  const MessageAttributeMap attributes = {{"attribName1", string_value("String", "attribValue 1")}};
  EXPECT_EQ(md5_of_message_attributes(attributes), "19e27d4e946b072f3f58da80d94fd778");
}

TEST(SqsMd5Test, StringNumberAndBinaryAttributesInNameOrder) {
  const MessageAttributeMap attributes = {
      {"s", string_value("String", "v")},
      {"n", string_value("Number", "42")},
      {"b", binary_value("Binary", std::string("\x00\x01", 2))},
  };
  EXPECT_EQ(md5_of_message_attributes(attributes), "629b7b56f4a59c3a266eb70391d1d690");
}

TEST(SqsMd5Test, CustomTypesAndNonAsciiNames) {
  const MessageAttributeMap attributes = {
      {"x", string_value("Number.int", "1")},
      {"bin.custom", binary_value("Binary.gif", std::string("\xff\xfe\x00", 3))},
      {"\xC3\xA9", string_value("String", "\xC3\xBC")},
  };
  EXPECT_EQ(md5_of_message_attributes(attributes), "7674bc8dbf6f8f6573fd42098fd1ddd8");
}

TEST(SqsMd5Test, SystemAttributesUseTheSameAlgorithm) {
  const MessageAttributeMap attributes = {{"AWSTraceHeader", string_value("String", "Root=1-abc")}};
  EXPECT_EQ(md5_of_message_attributes(attributes), "4777fe4e8f0ac8a9a8da35539c6fb198");
}

TEST(SqsMd5Test, NoAttributesMeansNoDigest) {
  EXPECT_EQ(md5_of_message_attributes({}), "");
}

}  // namespace
}  // namespace sluice::sqs::protocol
