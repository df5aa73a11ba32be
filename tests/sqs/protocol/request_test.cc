// Request bodies captured from the real clients against a loopback stub: the query protocol
// from Debian's boto3 1.26.27 (botocore 1.29.27) and awscli 2.9.19, JSON 1.0 from boto3
// 1.43.11. Each pair must normalise to the same parameters.
#include "sqs/protocol/request.h"

#include <gtest/gtest.h>

#include "sqs/protocol/action_schema.h"
#include "sqs/protocol/errors.h"

namespace sluice::sqs::protocol {
namespace {

constexpr std::string_view kQueueUrl = "http://127.0.0.1:9411/000000000000/q1";

constexpr std::string_view kSendMessageQuery =
    "Action=SendMessage&Version=2012-11-05&QueueUrl=http%3A%2F%2F127.0.0.1%3A9411%2F000000000000%"
    "2Fq1&MessageBody=hello+%C3%A9+%26+%3Cx%3E&DelaySeconds=5&MessageAttribute.1.Name=s&"
    "MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=v&"
    "MessageAttribute.2.Name=n&MessageAttribute.2.Value.DataType=Number&MessageAttribute.2.Value."
    "StringValue=42&MessageAttribute.3.Name=b&MessageAttribute.3.Value.DataType=Binary&"
    "MessageAttribute.3.Value.BinaryValue=AAE%3D&MessageSystemAttribute.1.Name=AWSTraceHeader&"
    "MessageSystemAttribute.1.Value.DataType=String&MessageSystemAttribute.1.Value.StringValue="
    "Root%3D1-abc";
constexpr std::string_view kSendMessageJson =
    R"({"QueueUrl": "http://127.0.0.1:9411/000000000000/q1", "MessageBody": "hello \u00e9 & <x>", )"
    R"("DelaySeconds": 5, "MessageAttributes": {"s": {"DataType": "String", "StringValue": "v"}, )"
    R"("n": {"DataType": "Number", "StringValue": "42"}, "b": {"DataType": "Binary", )"
    R"("BinaryValue": "AAE="}}, "MessageSystemAttributes": {"AWSTraceHeader": {"DataType": )"
    R"("String", "StringValue": "Root=1-abc"}}})";

constexpr std::string_view kSendMessageBatchQuery =
    "Action=SendMessageBatch&Version=2012-11-05&QueueUrl=http%3A%2F%2F127.0.0.1%3A9411%"
    "2F000000000000%2Fq1&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1."
    "MessageBody=one&SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=k&"
    "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType=String&"
    "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue=x&"
    "SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=two&"
    "SendMessageBatchRequestEntry.2.DelaySeconds=3&SendMessageBatchRequestEntry.2.MessageGroupId=g&"
    "SendMessageBatchRequestEntry.2.MessageDeduplicationId=d";
constexpr std::string_view kSendMessageBatchJson =
    R"({"QueueUrl": "http://127.0.0.1:9411/000000000000/q1", "Entries": [{"Id": "a", )"
    R"("MessageBody": "one", "MessageAttributes": {"k": {"DataType": "String", "StringValue": )"
    R"("x"}}}, {"Id": "b", "MessageBody": "two", "DelaySeconds": 3, "MessageGroupId": "g", )"
    R"("MessageDeduplicationId": "d"}]})";

constexpr std::string_view kReceiveMessageQuery =
    "Action=ReceiveMessage&Version=2012-11-05&QueueUrl=http%3A%2F%2F127.0.0.1%3A9411%"
    "2F000000000000%2Fq1&AttributeName.1=All&AttributeName.2=SentTimestamp&MessageAttributeName.1="
    "All&MaxNumberOfMessages=10&VisibilityTimeout=30&WaitTimeSeconds=20";
constexpr std::string_view kReceiveMessageJson =
    R"({"QueueUrl": "http://127.0.0.1:9411/000000000000/q1", "AttributeNames": ["All", )"
    R"("SentTimestamp"], "MessageAttributeNames": ["All"], "MaxNumberOfMessages": 10, )"
    R"("VisibilityTimeout": 30, "WaitTimeSeconds": 20})";

constexpr std::string_view kCreateQueueQuery =
    "Action=CreateQueue&Version=2012-11-05&QueueName=q1.fifo&Attribute.1.Name=FifoQueue&"
    "Attribute.1.Value=true&Attribute.2.Name=VisibilityTimeout&Attribute.2.Value=60&Tag.1.Key=team&"
    "Tag.1.Value=a&Tag.2.Key=env&Tag.2.Value=b";
constexpr std::string_view kCreateQueueJson =
    R"({"QueueName": "q1.fifo", "Attributes": {"FifoQueue": "true", "VisibilityTimeout": "60"}, )"
    R"("tags": {"team": "a", "env": "b"}})";

SqsRequest parse_query(std::string_view body) {
  auto request = parse_request({.target = "/", .amz_target = "", .body = body});
  EXPECT_TRUE(request.is_ok()) << request.status().to_string();
  return request.is_ok() ? *request : SqsRequest();
}

SqsRequest parse_json(std::string_view action, std::string_view body) {
  const std::string target = "AmazonSQS." + std::string(action);
  auto request = parse_request({.target = "/", .amz_target = target, .body = body});
  EXPECT_TRUE(request.is_ok()) << request.status().to_string();
  return request.is_ok() ? *request : SqsRequest();
}

SqsError query_error(std::string_view target, std::string_view body) {
  auto request = parse_query_request(target, body);
  EXPECT_FALSE(request.is_ok());
  return request.is_ok() ? SqsError{} : error_from_status(request.status());
}

SqsError json_error(std::string_view action, std::string_view body) {
  auto request = parse_json_request("/", "AmazonSQS." + std::string(action), body);
  EXPECT_FALSE(request.is_ok());
  return request.is_ok() ? SqsError{} : error_from_status(request.status());
}

// Both protocols must give the same action and parameters.
void expect_same_params(const SqsRequest& query, const SqsRequest& json) {
  EXPECT_EQ(query.protocol, Protocol::kQuery);
  EXPECT_EQ(json.protocol, Protocol::kJson);
  EXPECT_EQ(query.action, json.action);
  EXPECT_TRUE(static_cast<const Params&>(query) == static_cast<const Params&>(json));
}

TEST(SqsRequestTest, SendMessageWithAttributesFromBothProtocols) {
  const SqsRequest query = parse_query(kSendMessageQuery);
  const SqsRequest json = parse_json("SendMessage", kSendMessageJson);
  expect_same_params(query, json);

  EXPECT_EQ(query.action, "SendMessage");
  EXPECT_EQ(query.string_param("QueueUrl"), kQueueUrl);
  EXPECT_EQ(query.queue_url(), kQueueUrl);
  EXPECT_EQ(query.string_param("MessageBody"), "hello \xC3\xA9 & <x>");
  EXPECT_EQ(query.int_param("DelaySeconds"), 5);
  const MessageAttributeMap expected = {
      {"b", {"Binary", std::nullopt, std::string("\x00\x01", 2)}},
      {"n", {"Number", "42", std::nullopt}},
      {"s", {"String", "v", std::nullopt}},
  };
  EXPECT_EQ(query.message_attributes(), expected);
  const MessageAttributeMap system = {{"AWSTraceHeader", {"String", "Root=1-abc", std::nullopt}}};
  EXPECT_EQ(query.message_system_attributes(), system);
  EXPECT_EQ(query.string_param("MessageGroupId"), std::nullopt);
}

TEST(SqsRequestTest, AwscliSendMessageKeepsPlusAndPercentInBody) {
  const SqsRequest request = parse_query(
      "Action=SendMessage&Version=2012-11-05&QueueUrl=http%3A%2F%2F127.0.0.1%3A9411%"
      "2F000000000000%2Fq1&MessageBody=a%2Bb%3Dc%25&MessageAttribute.1.Name=x&MessageAttribute.1."
      "Value.DataType=Number.int&MessageAttribute.1.Value.StringValue=1");
  EXPECT_EQ(request.string_param("MessageBody"), "a+b=c%");
  const MessageAttributeMap expected = {{"x", {"Number.int", "1", std::nullopt}}};
  EXPECT_EQ(request.message_attributes(), expected);
}

TEST(SqsRequestTest, SendMessageBatchEntriesFromBothProtocols) {
  const SqsRequest query = parse_query(kSendMessageBatchQuery);
  const SqsRequest json = parse_json("SendMessageBatch", kSendMessageBatchJson);
  expect_same_params(query, json);

  ASSERT_EQ(query.entries().size(), 2u);
  const BatchEntry& first = query.entries()[0];
  EXPECT_EQ(first.string_param("Id"), "a");
  EXPECT_EQ(first.string_param("MessageBody"), "one");
  EXPECT_EQ(first.int_param("DelaySeconds"), std::nullopt);
  const MessageAttributeMap attributes = {{"k", {"String", "x", std::nullopt}}};
  EXPECT_EQ(first.message_attributes(), attributes);
  const BatchEntry& second = query.entries()[1];
  EXPECT_EQ(second.string_param("Id"), "b");
  EXPECT_EQ(second.string_param("MessageBody"), "two");
  EXPECT_EQ(second.int_param("DelaySeconds"), 3);
  EXPECT_EQ(second.string_param("MessageGroupId"), "g");
  EXPECT_EQ(second.string_param("MessageDeduplicationId"), "d");
  EXPECT_TRUE(second.message_attributes().empty());
}

TEST(SqsRequestTest, ReceiveMessageListsFromBothProtocols) {
  const SqsRequest query = parse_query(kReceiveMessageQuery);
  const SqsRequest json = parse_json("ReceiveMessage", kReceiveMessageJson);
  expect_same_params(query, json);

  EXPECT_EQ(query.string_list("AttributeNames"),
            (std::vector<std::string>{"All", "SentTimestamp"}));
  EXPECT_EQ(query.string_list("MessageAttributeNames"), (std::vector<std::string>{"All"}));
  EXPECT_TRUE(query.string_list("MessageSystemAttributeNames").empty());
  EXPECT_EQ(query.int_param("MaxNumberOfMessages"), 10);
  EXPECT_EQ(query.int_param("VisibilityTimeout"), 30);
  EXPECT_EQ(query.int_param("WaitTimeSeconds"), 20);
}

TEST(SqsRequestTest, ReceiveMessageWithNewerSystemAttributeNames) {
  const SqsRequest query = parse_query(
      "Action=ReceiveMessage&QueueUrl=q&MessageSystemAttributeName.1=SentTimestamp&"
      "MessageSystemAttributeName.2=MessageGroupId");
  const SqsRequest json = parse_json(
      "ReceiveMessage",
      R"({"QueueUrl":"q","MessageSystemAttributeNames":["SentTimestamp","MessageGroupId"]})");
  expect_same_params(query, json);
  EXPECT_EQ(json.string_list("MessageSystemAttributeNames"),
            (std::vector<std::string>{"SentTimestamp", "MessageGroupId"}));
}

TEST(SqsRequestTest, CreateQueueAttributesAndTagsFromBothProtocols) {
  const SqsRequest query = parse_query(kCreateQueueQuery);
  const SqsRequest json = parse_json("CreateQueue", kCreateQueueJson);
  expect_same_params(query, json);

  EXPECT_EQ(query.string_param("QueueName"), "q1.fifo");
  EXPECT_EQ(query.attributes(), (StringMap{{"FifoQueue", "true"}, {"VisibilityTimeout", "60"}}));
  EXPECT_EQ(query.tags(), (StringMap{{"env", "b"}, {"team", "a"}}));
  EXPECT_EQ(query.queue_url(), std::nullopt);
}

struct CapturedPair {
  std::string_view action;
  std::string_view query;
  std::string_view json;
};

TEST(SqsRequestTest, OtherActionsNormaliseTheSame) {
  const CapturedPair pairs[] = {
      {"DeleteMessageBatch",
       "Action=DeleteMessageBatch&Version=2012-11-05&QueueUrl=q&DeleteMessageBatchRequestEntry.1."
       "Id=a&DeleteMessageBatchRequestEntry.1.ReceiptHandle=rh1",
       R"({"QueueUrl": "q", "Entries": [{"Id": "a", "ReceiptHandle": "rh1"}]})"},
      {"ChangeMessageVisibilityBatch",
       "Action=ChangeMessageVisibilityBatch&Version=2012-11-05&QueueUrl=q&"
       "ChangeMessageVisibilityBatchRequestEntry.1.Id=a&ChangeMessageVisibilityBatchRequestEntry.1."
       "ReceiptHandle=rh1&ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout=10",
       R"({"QueueUrl": "q", "Entries": [{"Id": "a", "ReceiptHandle": "rh1", "VisibilityTimeout": 10}]})"},
      {"TagQueue", "Action=TagQueue&Version=2012-11-05&QueueUrl=q&Tag.1.Key=k&Tag.1.Value=v",
       R"({"QueueUrl": "q", "Tags": {"k": "v"}})"},
      {"UntagQueue", "Action=UntagQueue&Version=2012-11-05&QueueUrl=q&TagKey.1=k&TagKey.2=j",
       R"({"QueueUrl": "q", "TagKeys": ["k", "j"]})"},
      {"GetQueueAttributes",
       "Action=GetQueueAttributes&Version=2012-11-05&QueueUrl=q&AttributeName.1=All",
       R"({"QueueUrl": "q", "AttributeNames": ["All"]})"},
      {"AddPermission",
       "Action=AddPermission&Version=2012-11-05&QueueUrl=q&Label=l&AWSAccountId.1=111122223333&"
       "ActionName.1=SendMessage&ActionName.2=ReceiveMessage",
       R"({"QueueUrl": "q", "Label": "l", "AWSAccountIds": ["111122223333"], "Actions": ["SendMessage", "ReceiveMessage"]})"},
      {"ListQueues", "Action=ListQueues&Version=2012-11-05&QueueNamePrefix=q&MaxResults=5",
       R"({"QueueNamePrefix": "q", "MaxResults": 5})"},
      {"StartMessageMoveTask",
       "Action=StartMessageMoveTask&SourceArn=arn%3Aaws%3Asqs%3Aus-east-1%3A0%3Adlq&"
       "MaxNumberOfMessagesPerSecond=50",
       R"({"SourceArn": "arn:aws:sqs:us-east-1:0:dlq", "MaxNumberOfMessagesPerSecond": 50})"},
  };
  for (const CapturedPair& pair : pairs) {
    SCOPED_TRACE(pair.action);
    const SqsRequest query = parse_query(pair.query);
    const SqsRequest json = parse_json(pair.action, pair.json);
    EXPECT_EQ(query.action, pair.action);
    expect_same_params(query, json);
  }
  const SqsRequest batch = parse_query(pairs[1].query);
  ASSERT_EQ(batch.entries().size(), 1u);
  EXPECT_EQ(batch.entries()[0].int_param("VisibilityTimeout"), 10);
  EXPECT_EQ(parse_query(pairs[3].query).string_list("TagKeys"),
            (std::vector<std::string>{"k", "j"}));
  EXPECT_EQ(parse_query(pairs[5].query).string_list("Actions"),
            (std::vector<std::string>{"SendMessage", "ReceiveMessage"}));
}

TEST(SqsRequestTest, EverySchemaActionParsesInBothProtocols) {
  for (const ActionSchema& schema : all_action_schemas()) {
    SCOPED_TRACE(schema.action);
    // The queue's own path stands in for QueueUrl; other required members are absent, so an
    // action either parses or names the first missing member.
    const std::string query = "Action=" + std::string(schema.action);
    auto from_query = parse_query_request("/000000000000/q1", query);
    auto from_json =
        parse_json_request("/000000000000/q1", "AmazonSQS." + std::string(schema.action), "{}");
    EXPECT_EQ(from_query.is_ok(), from_json.is_ok());
    if (from_query.is_ok()) {
      EXPECT_EQ(from_query->action, schema.action);
      EXPECT_EQ(from_query->queue_url(), "/000000000000/q1");
    } else {
      EXPECT_EQ(error_from_status(from_query.status()), error_from_status(from_json.status()));
      EXPECT_EQ(error_from_status(from_query.status()).code, ErrorCode::kMissingParameter);
    }
  }
  EXPECT_EQ(all_action_schemas().size(), 23u);
}

TEST(SqsRequestTest, QueryParametersMayComeInTheUrl) {
  auto request = parse_request(
      {.target = "/000000000000/q1?Action=GetQueueAttributes&AttributeName.1=All", .body = ""});
  ASSERT_TRUE(request.is_ok());
  EXPECT_EQ(request->action, "GetQueueAttributes");
  EXPECT_EQ(request->path, "/000000000000/q1");
  EXPECT_EQ(request->queue_url(), "/000000000000/q1");
  EXPECT_EQ(request->string_list("AttributeNames"), (std::vector<std::string>{"All"}));
}

TEST(SqsRequestTest, DetectsProtocolByTargetHeader) {
  EXPECT_EQ(detect_protocol({.amz_target = "AmazonSQS.ListQueues"}), Protocol::kJson);
  EXPECT_EQ(detect_protocol({.body = "Action=ListQueues"}), Protocol::kQuery);
}

TEST(SqsRequestTest, JsonEmptyBodyAndNullsReadAsAbsent) {
  auto empty = parse_json_request("/", "AmazonSQS.ListQueues", "");
  ASSERT_TRUE(empty.is_ok());
  EXPECT_FALSE(empty->has("QueueNamePrefix"));
  auto nulls = parse_json_request("/", "AmazonSQS.ListQueues",
                                  R"({"QueueNamePrefix":null,"MaxResults":null,"Other":1})");
  ASSERT_TRUE(nulls.is_ok());
  EXPECT_FALSE(nulls->has("QueueNamePrefix"));
  EXPECT_FALSE(nulls->has("MaxResults"));
}

TEST(SqsRequestTest, UnknownOrMissingActionIsInvalidAction) {
  EXPECT_EQ(
      query_error("/", "Action=FlyAway"),
      (SqsError{ErrorCode::kInvalidAction, "the action FlyAway is not valid for this endpoint"}));
  EXPECT_EQ(query_error("/", "Version=2012-11-05"),
            (SqsError{ErrorCode::kInvalidAction, "the request has no action"}));
  EXPECT_EQ(json_error("FlyAway", "{}").code, ErrorCode::kInvalidAction);
  auto wrong_service = parse_json_request("/", "AmazonSNS.Publish", "{}");
  EXPECT_EQ(error_from_status(wrong_service.status()).code, ErrorCode::kInvalidAction);
}

TEST(SqsRequestTest, MissingRequiredParameter) {
  EXPECT_EQ(query_error("/", "Action=SendMessage&QueueUrl=q"),
            (SqsError{ErrorCode::kMissingParameter,
                      "The request must contain the parameter MessageBody."}));
  EXPECT_EQ(
      json_error("SendMessage", R"({"MessageBody":"x"})"),
      (SqsError{ErrorCode::kMissingParameter, "The request must contain the parameter QueueUrl."}));
  EXPECT_EQ(query_error("/",
                        "Action=DeleteMessageBatch&QueueUrl=q&"
                        "DeleteMessageBatchRequestEntry.1.Id=a"),
            (SqsError{ErrorCode::kMissingParameter,
                      "The request must contain the parameter ReceiptHandle."}));
}

TEST(SqsRequestTest, MalformedQueryStrings) {
  EXPECT_EQ(query_error("/", "Action=ListQueues&QueueNamePrefix=%zz").code,
            ErrorCode::kMalformedQueryString);
  EXPECT_EQ(query_error("/", "Action=GetQueueAttributes&QueueUrl=q&AttributeName.x=All"),
            (SqsError{ErrorCode::kMalformedQueryString,
                      "parameter AttributeName.x has an invalid index"}));
  EXPECT_EQ(query_error("/", "Action=GetQueueAttributes&QueueUrl=q&AttributeName.0=All").code,
            ErrorCode::kMalformedQueryString);
  EXPECT_EQ(query_error("/", "Action=GetQueueAttributes&QueueUrl=q&AttributeName.01=All").code,
            ErrorCode::kMalformedQueryString);
  EXPECT_EQ(query_error("/",
                        "Action=GetQueueAttributes&QueueUrl=q&AttributeName.1=All&"
                        "AttributeName.1=Policy"),
            (SqsError{ErrorCode::kMalformedQueryString,
                      "parameter AttributeName.1 appears more than once"}));
  EXPECT_EQ(query_error("/",
                        "Action=GetQueueAttributes&QueueUrl=q&AttributeName.1=All&"
                        "AttributeName.3=Policy"),
            (SqsError{ErrorCode::kMalformedQueryString,
                      "the indexes of AttributeName.N must run from 1 without gaps"}));
  EXPECT_EQ(query_error("/",
                        "Action=SendMessageBatch&QueueUrl=q&"
                        "SendMessageBatchRequestEntry.2.Id=a&"
                        "SendMessageBatchRequestEntry.2.MessageBody=b")
                .code,
            ErrorCode::kMalformedQueryString);
  EXPECT_EQ(query_error("/?Action=ListQueues", "Action=ListQueues").code,
            ErrorCode::kMalformedQueryString);
}

TEST(SqsRequestTest, MalformedQueryValues) {
  EXPECT_EQ(query_error("/", "Action=ReceiveMessage&QueueUrl=q&MaxNumberOfMessages=ten"),
            (SqsError{ErrorCode::kInvalidParameterValue,
                      "value ten for parameter MaxNumberOfMessages is not a valid integer"}));
  EXPECT_EQ(query_error("/", "Action=ReceiveMessage&QueueUrl=q&WaitTimeSeconds=2147483648").code,
            ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(query_error("/", "Action=ReceiveMessage&QueueUrl=q&WaitTimeSeconds=+1").code,
            ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(query_error("/",
                        "Action=SendMessage&QueueUrl=q&MessageBody=x&"
                        "MessageAttribute.1.Name=b&MessageAttribute.1.Value.DataType=Binary&"
                        "MessageAttribute.1.Value.BinaryValue=AA"),
            (SqsError{ErrorCode::kInvalidParameterValue,
                      "MessageAttribute.1.Value.BinaryValue is not valid base64"}));
  EXPECT_EQ(query_error("/",
                        "Action=CreateQueue&QueueName=q&Attribute.1.Name=A&Attribute.1.Value=1&"
                        "Attribute.2.Name=A&Attribute.2.Value=2"),
            (SqsError{ErrorCode::kInvalidParameterValue, "Attribute A is repeated"}));
  EXPECT_EQ(query_error("/", "Action=CreateQueue&QueueName=q&Attribute.1.Name=A"),
            (SqsError{ErrorCode::kMissingParameter,
                      "The request must contain the parameter Attribute.1.Value."}));
  EXPECT_EQ(query_error("/",
                        "Action=SendMessage&QueueUrl=q&MessageBody=x&"
                        "MessageAttribute.1.Value.DataType=String")
                .code,
            ErrorCode::kMissingParameter);
  // A negative integer is well-formed; its range is validation's business.
  EXPECT_EQ(parse_query("Action=ReceiveMessage&QueueUrl=q&VisibilityTimeout=-1")
                .int_param("VisibilityTimeout"),
            -1);
}

TEST(SqsRequestTest, MalformedJsonBodies) {
  EXPECT_EQ(json_error("ListQueues", "{"),
            (SqsError{ErrorCode::kSerializationException, "the request body is not valid JSON"}));
  EXPECT_EQ(json_error("ListQueues", "[]"), (SqsError{ErrorCode::kSerializationException,
                                                      "the request body must be a JSON object"}));
  EXPECT_EQ(json_error("ListQueues", "{\"QueueNamePrefix\":\"\xff\"}").code,
            ErrorCode::kSerializationException);
  EXPECT_EQ(json_error("SendMessage", R"({"QueueUrl":"q","MessageBody":7})"),
            (SqsError{ErrorCode::kSerializationException, "MessageBody must be a string"}));
  EXPECT_EQ(
      json_error("ReceiveMessage", R"({"QueueUrl":"q","MaxNumberOfMessages":"10"})"),
      (SqsError{ErrorCode::kSerializationException, "MaxNumberOfMessages must be an integer"}));
  EXPECT_EQ(json_error("ReceiveMessage", R"({"QueueUrl":"q","MaxNumberOfMessages":1.5})").code,
            ErrorCode::kSerializationException);
  EXPECT_EQ(json_error("ReceiveMessage", R"({"QueueUrl":"q","WaitTimeSeconds":4294967296})"),
            (SqsError{ErrorCode::kInvalidParameterValue,
                      "WaitTimeSeconds is outside the 32-bit integer range"}));
  EXPECT_EQ(json_error("ReceiveMessage", R"({"QueueUrl":"q","AttributeNames":"All"})").code,
            ErrorCode::kSerializationException);
  EXPECT_EQ(json_error("ReceiveMessage", R"({"QueueUrl":"q","AttributeNames":[1]})").code,
            ErrorCode::kSerializationException);
  EXPECT_EQ(json_error("CreateQueue", R"({"QueueName":"q","Attributes":{"A":1}})").code,
            ErrorCode::kSerializationException);
  EXPECT_EQ(json_error("SendMessage",
                       R"({"QueueUrl":"q","MessageBody":"x","MessageAttributes":{"a":"v"}})")
                .code,
            ErrorCode::kSerializationException);
  EXPECT_EQ(
      json_error(
          "SendMessage",
          R"({"QueueUrl":"q","MessageBody":"x","MessageAttributes":{"a":{"DataType":"Binary","BinaryValue":"A"}}})"),
      (SqsError{ErrorCode::kInvalidParameterValue,
                "the BinaryValue of message attribute a is not base64"}));
  EXPECT_EQ(json_error("SendMessageBatch", R"({"QueueUrl":"q","Entries":{"Id":"a"}})").code,
            ErrorCode::kSerializationException);
  EXPECT_EQ(json_error("SendMessageBatch", R"({"QueueUrl":"q","Entries":[1]})").code,
            ErrorCode::kSerializationException);
}

}  // namespace
}  // namespace sluice::sqs::protocol
