#include "sqs/protocol/form_decoding.h"

#include <gtest/gtest.h>

#include "sqs/protocol/errors.h"

namespace sluice::sqs::protocol {
namespace {

TEST(SqsFormDecodingTest, PercentDecodesAndReadsPlusAsSpace) {
  EXPECT_EQ(percent_decode("hello+%C3%A9+%26+%3Cx%3E"), "hello \xC3\xA9 & <x>");
  EXPECT_EQ(percent_decode("a%2Bb%3Dc%25"), "a+b=c%");
  EXPECT_EQ(percent_decode("%e2%82%ac"), "\xE2\x82\xAC");
  EXPECT_EQ(percent_decode(""), "");
}

TEST(SqsFormDecodingTest, RejectsBadEscapes) {
  EXPECT_EQ(percent_decode("%"), std::nullopt);
  EXPECT_EQ(percent_decode("ab%4"), std::nullopt);
  EXPECT_EQ(percent_decode("%zz"), std::nullopt);
  EXPECT_EQ(percent_decode("%4g"), std::nullopt);
}

TEST(SqsFormDecodingTest, DecodesPairsSkippingEmptyOnes) {
  FormFields fields;
  ASSERT_TRUE(decode_form("&Action=ListQueues&&flag&Queue%4Eame=a+b&", &fields).is_ok());
  const FormFields expected = {{"Action", "ListQueues"}, {"flag", ""}, {"QueueName", "a b"}};
  EXPECT_EQ(fields, expected);
}

TEST(SqsFormDecodingTest, RejectsRepeatedNamesAcrossForms) {
  FormFields fields;
  ASSERT_TRUE(decode_form("Action=ListQueues", &fields).is_ok());
  const Status status = decode_form("Action=SendMessage", &fields);
  EXPECT_EQ(error_from_status(status), (SqsError{ErrorCode::kMalformedQueryString,
                                                 "parameter Action appears more than once"}));
}

TEST(SqsFormDecodingTest, RejectsBadEscapeInNameOrValue) {
  FormFields fields;
  EXPECT_EQ(error_from_status(decode_form("A%ction=x", &fields)).code,
            ErrorCode::kMalformedQueryString);
  EXPECT_EQ(error_from_status(decode_form("Action=%G1", &fields)).code,
            ErrorCode::kMalformedQueryString);
}

}  // namespace
}  // namespace sluice::sqs::protocol
