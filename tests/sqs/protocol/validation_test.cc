#include "sqs/protocol/validation.h"

#include <gtest/gtest.h>

#include "sqs/protocol/errors.h"

namespace sluice::sqs::protocol {
namespace {

// The SQS error code of a failed check; the test fails if the check passed.
ErrorCode code_of(const Status& status) {
  EXPECT_FALSE(status.is_ok());
  return error_from_status(status).code;
}

MessageAttributeValue text(std::string type, std::string value) {
  return {std::move(type), std::move(value), std::nullopt};
}

TEST(SqsValidationTest, QueueNames) {
  EXPECT_TRUE(validate_queue_name("a", false).is_ok());
  EXPECT_TRUE(validate_queue_name("Orders_2024-eu", false).is_ok());
  EXPECT_TRUE(validate_queue_name(std::string(80, 'q'), false).is_ok());
  EXPECT_TRUE(validate_queue_name("jobs.fifo", true).is_ok());
  EXPECT_TRUE(validate_queue_name(std::string(75, 'q') + ".fifo", true).is_ok());

  EXPECT_EQ(code_of(validate_queue_name("", false)), ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(code_of(validate_queue_name(std::string(81, 'q'), false)),
            ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(code_of(validate_queue_name("has space", false)), ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(code_of(validate_queue_name("jobs.fifo", false)), ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(code_of(validate_queue_name("jobs", true)), ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(code_of(validate_queue_name(".fifo", true)), ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(code_of(validate_queue_name(std::string(76, 'q') + ".fifo", true)),
            ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(code_of(validate_queue_name("a.b.fifo", true)), ErrorCode::kInvalidParameterValue);

  // SQS's words, one text per queue type.
  EXPECT_EQ(error_from_status(validate_queue_name("has space", false)),
            (SqsError{ErrorCode::kInvalidParameterValue,
                      "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 "
                      "in length"}));
  EXPECT_EQ(error_from_status(validate_queue_name("jobs.fifo", false)).message,
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
  EXPECT_EQ(error_from_status(validate_queue_name("jobs", true)),
            (SqsError{ErrorCode::kInvalidParameterValue,
                      "The name of a FIFO queue can only include alphanumeric characters, "
                      "hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in "
                      "length."}));
}

TEST(SqsValidationTest, MessageBodyCharacters) {
  EXPECT_TRUE(validate_message_body("tab\there\nline\rend").is_ok());
  EXPECT_TRUE(validate_message_body("\xC3\xA9 \xED\x9F\xBF \xEE\x80\x80 \xEF\xBF\xBD").is_ok());
  EXPECT_TRUE(validate_message_body("\xF0\x90\x80\x80 \xF4\x8F\xBF\xBF").is_ok());

  EXPECT_EQ(error_from_status(validate_message_body("")),
            (SqsError{ErrorCode::kMissingParameter,
                      "The request must contain the parameter MessageBody."}));
  EXPECT_EQ(code_of(validate_message_body(std::string("a\0b", 3))),
            ErrorCode::kInvalidMessageContents);
  EXPECT_EQ(code_of(validate_message_body("\x1f")), ErrorCode::kInvalidMessageContents);
  EXPECT_EQ(code_of(validate_message_body("\xEF\xBF\xBE")),  // U+FFFE
            ErrorCode::kInvalidMessageContents);
  EXPECT_EQ(code_of(validate_message_body("\xED\xA0\x80")),  // a surrogate
            ErrorCode::kInvalidMessageContents);
  EXPECT_EQ(code_of(validate_message_body("\xC0\xAF")),  // overlong
            ErrorCode::kInvalidMessageContents);
  EXPECT_EQ(code_of(validate_message_body("\xF4\x90\x80\x80")),  // beyond U+10FFFF
            ErrorCode::kInvalidMessageContents);
  EXPECT_EQ(code_of(validate_message_body("\xE2\x82")),  // truncated
            ErrorCode::kInvalidMessageContents);
  EXPECT_EQ(code_of(validate_message_body("\xff")), ErrorCode::kInvalidMessageContents);
}

TEST(SqsValidationTest, MessageSizeCountsAttributes) {
  const MessageAttributeMap attributes = {
      {"name", text("String", "value")},
      {"bin", {"Binary", std::nullopt, std::string(3, 'x')}},
  };
  EXPECT_EQ(message_size("body", attributes), 4u + (4 + 6 + 5) + (3 + 6 + 3));
}

TEST(SqsValidationTest, MessageAttributesAccepted) {
  const MessageAttributeMap attributes = {
      {"s", text("String", "v")},
      {"n", text("Number", "-1.5e10")},
      {"custom.type-name_1", text("String.json", "{}")},
      {"b", {"Binary.png", std::nullopt, std::string("\x00", 1)}},
  };
  EXPECT_TRUE(validate_message_attributes(attributes).is_ok());
  EXPECT_TRUE(validate_message_attributes({}).is_ok());
}

TEST(SqsValidationTest, MessageAttributesRejected) {
  MessageAttributeMap eleven;
  for (int i = 0; i < 11; ++i) eleven.emplace("a" + std::to_string(i), text("String", "v"));
  EXPECT_EQ(error_from_status(validate_message_attributes(eleven)),
            (SqsError{ErrorCode::kInvalidParameterValue,
                      "Number of message attributes [11] exceeds the allowed maximum [10]."}));
  const std::vector<std::string> bad_names = {
      "",    std::string(257, 'a'), "a b", "AWS.x", "aws.x", "Amazon.x", "amazon.x", ".a", "a.",
      "a..b"};
  for (const std::string& name : bad_names) {
    SCOPED_TRACE(name);
    EXPECT_EQ(code_of(validate_message_attributes({{name, text("String", "v")}})),
              ErrorCode::kInvalidParameterValue);
  }
  EXPECT_TRUE(validate_message_attributes({{std::string(256, 'a'), text("String", "v")}}).is_ok());
  EXPECT_TRUE(validate_message_attributes({{"AWSx", text("String", "v")}}).is_ok());

  const std::vector<MessageAttributeValue> bad_values = {
      text("", "v"),
      text("Strings", "v"),
      text("String.", "v"),
      text("string", "v"),
      text("String.a b", "v"),
      text("String", ""),
      text("String", "\x01"),
      text("Number", "12a"),
      text("Number", "."),
      text("Number", "1e"),
      {"Binary", "text", std::nullopt},
      {"String", std::nullopt, "bytes"},
      {"String", std::nullopt, std::nullopt},
  };
  for (const MessageAttributeValue& value : bad_values) {
    SCOPED_TRACE(value.data_type);
    EXPECT_EQ(code_of(validate_message_attributes({{"a", value}})),
              ErrorCode::kInvalidParameterValue);
  }
}

// The texts SQS answers for bad message attribute names and data types.
TEST(SqsValidationTest, MessageAttributeErrorsAreWordedAsSqs) {
  const auto message_of = [](const std::string& name, const MessageAttributeValue& value) {
    return error_from_status(validate_message_attributes({{name, value}})).message;
  };
  const std::string characters =
      "Message (user) attributes name can only contain upper and lower score characters, "
      "digits, periods, hyphens and underscores.";
  EXPECT_EQ(message_of("a b", text("String", "v")), characters);
  EXPECT_EQ(message_of("a..b", text("String", "v")), characters);
  const std::string reserved =
      "You can't use message attribute names beginning with 'AWS.' or 'Amazon.'. These strings "
      "are reserved for internal use. Additionally, they cannot start or end with '.'.";
  EXPECT_EQ(message_of("AWS.x", text("String", "v")), reserved);
  EXPECT_EQ(message_of("amazon.x", text("String", "v")), reserved);
  EXPECT_EQ(message_of(".a", text("String", "v")), reserved);
  EXPECT_EQ(message_of(std::string(257, 'a'), text("String", "v")),
            "Message (user) attribute names must be shorter than 256 Bytes");
  EXPECT_EQ(message_of("colour", text("string", "v")),
            "The type of message (user) attribute 'colour' is invalid. You must use only the "
            "following supported type prefixes: Binary, Number, String.");
  EXPECT_EQ(message_of("colour", text("String", "")),
            "Message (user) attribute 'colour' must contain a non-empty value of type 'String'.");
  EXPECT_EQ(message_of("n", text("Number", "12a")),
            "Can't cast the value of message (user) attribute 'n' to a number.");
}

TEST(SqsValidationTest, SystemAttributes) {
  EXPECT_TRUE(
      validate_message_system_attributes({{"AWSTraceHeader", text("String", "Root=1")}}).is_ok());
  EXPECT_EQ(code_of(validate_message_system_attributes({{"Other", text("String", "x")}})),
            ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(code_of(validate_message_system_attributes({{"AWSTraceHeader", text("Number", "1")}})),
            ErrorCode::kInvalidParameterValue);
}

std::vector<Params> entries_with_ids(const std::vector<std::string>& ids) {
  std::vector<Params> entries(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) entries[i].set_string("Id", ids[i]);
  return entries;
}

Status check_send_batch(const std::vector<Params>& entries) {
  return validate_batch_entries(entries, "SendMessageBatchRequestEntry");
}

TEST(SqsValidationTest, BatchEntries) {
  EXPECT_TRUE(check_send_batch(entries_with_ids({"a", "B-1", std::string(80, '_')})).is_ok());
  EXPECT_TRUE(check_send_batch(entries_with_ids(std::vector<std::string>(1, "x"))).is_ok());
  std::vector<std::string> ten;
  for (int i = 0; i < 10; ++i) ten.push_back("id" + std::to_string(i));
  EXPECT_TRUE(check_send_batch(entries_with_ids(ten)).is_ok());

  EXPECT_EQ(code_of(check_send_batch({})), ErrorCode::kEmptyBatchRequest);
  ten.push_back("id10");
  EXPECT_EQ(code_of(check_send_batch(entries_with_ids(ten))),
            ErrorCode::kTooManyEntriesInBatchRequest);
  EXPECT_EQ(code_of(check_send_batch(entries_with_ids({"a", "a"}))),
            ErrorCode::kBatchEntryIdsNotDistinct);
  EXPECT_EQ(code_of(check_send_batch(entries_with_ids({"a.b"}))), ErrorCode::kInvalidBatchEntryId);
  EXPECT_EQ(code_of(check_send_batch(entries_with_ids({std::string(81, 'a')}))),
            ErrorCode::kInvalidBatchEntryId);
  EXPECT_EQ(code_of(check_send_batch(std::vector<Params>(1))), ErrorCode::kInvalidBatchEntryId);
}

// SQS's words for each refusal, the empty batch naming the action's entry shape.
TEST(SqsValidationTest, BatchEntryErrorsAreWordedAsSqs) {
  EXPECT_EQ(error_from_status(validate_batch_entries({}, "DeleteMessageBatchRequestEntry")),
            (SqsError{ErrorCode::kEmptyBatchRequest,
                      "There should be at least one DeleteMessageBatchRequestEntry in the "
                      "request."}));
  std::vector<std::string> eleven;
  for (int i = 0; i < 11; ++i) eleven.push_back("id" + std::to_string(i));
  EXPECT_EQ(error_from_status(check_send_batch(entries_with_ids(eleven))).message,
            "Maximum number of entries per request are 10. You have sent 11.");
  EXPECT_EQ(error_from_status(check_send_batch(entries_with_ids({"a", "b", "a"}))).message,
            "Id a repeated.");
  EXPECT_EQ(error_from_status(check_send_batch(entries_with_ids({"bad id!"}))).message,
            "A batch entry id can only contain alphanumeric characters, hyphens and "
            "underscores. It can be at most 80 letters long.");
}

TEST(SqsValidationTest, ReceiveRequestAttemptIdIsPrintableAsciiUpTo128) {
  Params receive;
  receive.set_string("ReceiveRequestAttemptId", std::string(128, 'a'));
  EXPECT_TRUE(validate_receive_message(receive).is_ok());
  receive.set_string("ReceiveRequestAttemptId", "a-b_c.d!~");
  EXPECT_TRUE(validate_receive_message(receive).is_ok());
  for (std::string bad :
       {std::string(129, 'a'), std::string(), std::string("a b"), std::string("caf\xc3\xa9")}) {
    receive.set_string("ReceiveRequestAttemptId", bad);
    EXPECT_EQ(code_of(validate_receive_message(receive)), ErrorCode::kInvalidParameterValue) << bad;
  }
}

TEST(SqsValidationTest, ReceiveAndDelayRanges) {
  Params receive;
  receive.set_int("MaxNumberOfMessages", 10);
  receive.set_int("VisibilityTimeout", 43200);
  receive.set_int("WaitTimeSeconds", 0);
  EXPECT_TRUE(validate_receive_message(receive).is_ok());
  EXPECT_TRUE(validate_receive_message(Params()).is_ok());
  receive.set_int("MaxNumberOfMessages", 0);
  EXPECT_EQ(error_from_status(validate_receive_message(receive)),
            (SqsError{ErrorCode::kInvalidParameterValue,
                      "value 0 for parameter MaxNumberOfMessages is invalid: must be between 1 "
                      "and 10"}));
  receive.set_int("MaxNumberOfMessages", 1);
  receive.set_int("WaitTimeSeconds", 21);
  EXPECT_EQ(code_of(validate_receive_message(receive)), ErrorCode::kInvalidParameterValue);
  receive.set_int("WaitTimeSeconds", 20);
  receive.set_int("VisibilityTimeout", -1);
  EXPECT_EQ(code_of(validate_receive_message(receive)), ErrorCode::kInvalidParameterValue);

  Params send;
  send.set_int("DelaySeconds", 900);
  EXPECT_TRUE(validate_delay_seconds(send).is_ok());
  // Above 900 only the queue knows (SluiceMaxDelaySeconds); 14 days is the limit for all.
  send.set_int("DelaySeconds", 1209600);
  EXPECT_TRUE(validate_delay_seconds(send).is_ok());
  send.set_int("DelaySeconds", 1209601);
  EXPECT_EQ(code_of(validate_delay_seconds(send)), ErrorCode::kInvalidParameterValue);
  send.set_int("DelaySeconds", -1);
  EXPECT_EQ(code_of(validate_delay_seconds(send)), ErrorCode::kInvalidParameterValue);
}

TEST(SqsValidationTest, QueueAttributeRanges) {
  struct Bound {
    const char* name;
    const char* low;
    const char* high;
    const char* below;
    const char* above;
  };
  const Bound bounds[] = {
      {"VisibilityTimeout", "0", "43200", "-1", "43201"},
      {"DelaySeconds", "0", "900", "-1", "901"},
      {"MessageRetentionPeriod", "60", "1209600", "59", "1209601"},
      {"MaximumMessageSize", "1024", "1048576", "1023", "1048577"},
      {"ReceiveMessageWaitTimeSeconds", "0", "20", "-1", "21"},
      {"KmsDataKeyReusePeriodSeconds", "60", "86400", "59", "86401"},
  };
  for (const Bound& bound : bounds) {
    SCOPED_TRACE(bound.name);
    EXPECT_TRUE(validate_queue_attribute(bound.name, bound.low, false).is_ok());
    EXPECT_TRUE(validate_queue_attribute(bound.name, bound.high, false).is_ok());
    EXPECT_EQ(code_of(validate_queue_attribute(bound.name, bound.below, false)),
              ErrorCode::kInvalidAttributeValue);
    EXPECT_EQ(code_of(validate_queue_attribute(bound.name, bound.above, false)),
              ErrorCode::kInvalidAttributeValue);
    EXPECT_EQ(code_of(validate_queue_attribute(bound.name, "ten", false)),
              ErrorCode::kInvalidAttributeValue);
    EXPECT_EQ(code_of(validate_queue_attribute(bound.name, "", false)),
              ErrorCode::kInvalidAttributeValue);
  }
  EXPECT_EQ(error_from_status(validate_queue_attribute("DelaySeconds", "901", false)),
            (SqsError{ErrorCode::kInvalidAttributeValue,
                      "invalid value for the parameter DelaySeconds: must be an integer from 0 "
                      "to 900"}));
}

TEST(SqsValidationTest, RedrivePolicy) {
  const char* arn = "arn:aws:sqs:us-east-1:000000000000:dlq";
  EXPECT_TRUE(validate_queue_attribute(
                  "RedrivePolicy",
                  std::string(R"({"deadLetterTargetArn":")") + arn + R"(","maxReceiveCount":5})",
                  false)
                  .is_ok());
  EXPECT_TRUE(validate_queue_attribute("RedrivePolicy",
                                       std::string(R"({"deadLetterTargetArn":")") + arn +
                                           R"(","maxReceiveCount":"1000"})",
                                       false)
                  .is_ok());
  const std::vector<std::string> bad = {
      "not json",
      "[]",
      R"({"maxReceiveCount":5})",
      R"({"deadLetterTargetArn":"","maxReceiveCount":5})",
      std::string(R"({"deadLetterTargetArn":")") + arn + R"("})",
      std::string(R"({"deadLetterTargetArn":")") + arn + R"(","maxReceiveCount":0})",
      std::string(R"({"deadLetterTargetArn":")") + arn + R"(","maxReceiveCount":1001})",
      std::string(R"({"deadLetterTargetArn":")") + arn + R"(","maxReceiveCount":"x"})",
      std::string(R"({"deadLetterTargetArn":")") + arn + R"(","maxReceiveCount":2.5})",
  };
  for (const std::string& policy : bad) {
    SCOPED_TRACE(policy);
    EXPECT_EQ(code_of(validate_queue_attribute("RedrivePolicy", policy, false)),
              ErrorCode::kInvalidAttributeValue);
  }
}

TEST(SqsValidationTest, RedriveAllowPolicy) {
  EXPECT_TRUE(
      validate_queue_attribute("RedriveAllowPolicy", R"({"redrivePermission":"allowAll"})", false)
          .is_ok());
  EXPECT_TRUE(validate_queue_attribute("RedriveAllowPolicy",
                                       R"({"redrivePermission":"byQueue","sourceQueueArns":["a"]})",
                                       false)
                  .is_ok());
  const std::vector<std::string> bad = {
      R"({"redrivePermission":"sometimes"})",
      R"({"redrivePermission":"byQueue"})",
      R"({"redrivePermission":"denyAll","sourceQueueArns":["a"]})",
      R"({"redrivePermission":"byQueue","sourceQueueArns":["1","2","3","4","5","6","7","8","9","10","11"]})",
      R"({"redrivePermission":"byQueue","sourceQueueArns":[1]})",
      R"({})",
  };
  for (const std::string& policy : bad) {
    SCOPED_TRACE(policy);
    EXPECT_EQ(code_of(validate_queue_attribute("RedriveAllowPolicy", policy, false)),
              ErrorCode::kInvalidAttributeValue);
  }
}

TEST(SqsValidationTest, FlagsEnumsAndNames) {
  EXPECT_TRUE(validate_queue_attribute("FifoQueue", "true", true).is_ok());
  EXPECT_EQ(code_of(validate_queue_attribute("FifoQueue", "yes", true)),
            ErrorCode::kInvalidAttributeValue);
  EXPECT_TRUE(validate_queue_attribute("ContentBasedDeduplication", "false", true).is_ok());
  EXPECT_EQ(code_of(validate_queue_attribute("ContentBasedDeduplication", "true", false)),
            ErrorCode::kInvalidAttributeName);
  EXPECT_TRUE(validate_queue_attribute("DeduplicationScope", "messageGroup", true).is_ok());
  EXPECT_EQ(code_of(validate_queue_attribute("DeduplicationScope", "group", true)),
            ErrorCode::kInvalidAttributeValue);
  EXPECT_TRUE(validate_queue_attribute("Policy", R"({"Version":"2012-10-17"})", false).is_ok());
  EXPECT_EQ(code_of(validate_queue_attribute("Policy", "{", false)),
            ErrorCode::kInvalidAttributeValue);
  EXPECT_TRUE(validate_queue_attribute("KmsMasterKeyId", "alias/aws/sqs", false).is_ok());
  // An empty Policy or RedrivePolicy is a removal, not a bad document.
  EXPECT_TRUE(validate_queue_attribute("Policy", "", false).is_ok());
  EXPECT_TRUE(validate_queue_attribute("RedrivePolicy", "", false).is_ok());
  EXPECT_EQ(code_of(validate_queue_attribute("RedriveAllowPolicy", "", false)),
            ErrorCode::kInvalidAttributeValue);
  EXPECT_EQ(error_from_status(validate_queue_attribute("QueueArn", "arn", false)),
            (SqsError{ErrorCode::kInvalidAttributeName, "Unknown Attribute QueueArn."}));
  EXPECT_EQ(code_of(validate_queue_attribute("QueueArn", "arn", false)),
            ErrorCode::kInvalidAttributeName);
  EXPECT_EQ(code_of(validate_queue_attribute("Colour", "blue", false)),
            ErrorCode::kInvalidAttributeName);

  EXPECT_TRUE(validate_queue_attributes({{"FifoThroughputLimit", "perMessageGroupId"},
                                         {"DeduplicationScope", "messageGroup"}},
                                        true)
                  .is_ok());
  EXPECT_EQ(
      code_of(validate_queue_attributes(
          {{"FifoThroughputLimit", "perMessageGroupId"}, {"DeduplicationScope", "queue"}}, true)),
      ErrorCode::kInvalidAttributeValue);
  EXPECT_EQ(code_of(validate_queue_attributes({{"VisibilityTimeout", "-5"}}, false)),
            ErrorCode::kInvalidAttributeValue);
}

TEST(SqsValidationTest, AttributeNamesToGet) {
  EXPECT_TRUE(validate_attribute_names({"All", "QueueArn", "ApproximateNumberOfMessages",
                                        "VisibilityTimeout", "RedrivePolicy"})
                  .is_ok());
  EXPECT_EQ(error_from_status(validate_attribute_names({"All", "Colour"})),
            (SqsError{ErrorCode::kInvalidAttributeName, "Unknown Attribute Colour."}));
}

}  // namespace
}  // namespace sluice::sqs::protocol
