#include "sqs/protocol/response.h"

#include <gtest/gtest.h>

#include "sqs/protocol/md5.h"

namespace sluice::sqs::protocol {
namespace {

constexpr std::string_view kXmlHead = "<?xml version=\"1.0\"?>";

std::string xml_ok(std::string_view action, std::string_view result) {
  std::string out(kXmlHead);
  out +=
      "<" + std::string(action) + "Response xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\">";
  out += result;
  out += "<ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></" + std::string(action) +
         "Response>";
  return out;
}

Value send_message_result() {
  Value result = Value::structure();
  result.set("MD5OfMessageBody", Value::string(md5_of_message_body("hello")))
      .set("MD5OfMessageAttributes", Value::string("629b7b56f4a59c3a266eb70391d1d690"))
      .set("MessageId", Value::string("5fea7756-0ea4-451a-a703-a558b933e274"));
  return result;
}

TEST(SqsResponseTest, SendMessageAsXml) {
  const HttpReply reply =
      render_response(Protocol::kQuery, "SendMessage", send_message_result(), "rid");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.content_type, "text/xml");
  EXPECT_EQ(reply.body,
            xml_ok("SendMessage",
                   "<SendMessageResult><MD5OfMessageBody>5d41402abc4b2a76b9719d911017c592"
                   "</MD5OfMessageBody><MD5OfMessageAttributes>629b7b56f4a59c3a266eb70391d1d690"
                   "</MD5OfMessageAttributes><MessageId>5fea7756-0ea4-451a-a703-a558b933e274"
                   "</MessageId></SendMessageResult>"));
}

TEST(SqsResponseTest, SendMessageAsJson) {
  const HttpReply reply =
      render_response(Protocol::kJson, "SendMessage", send_message_result(), "rid");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.content_type, "application/x-amz-json-1.0");
  EXPECT_EQ(reply.headers,
            (std::vector<std::pair<std::string, std::string>>{{"x-amzn-RequestId", "rid"}}));
  EXPECT_EQ(reply.body, R"({"MD5OfMessageBody":"5d41402abc4b2a76b9719d911017c592",)"
                        R"("MD5OfMessageAttributes":"629b7b56f4a59c3a266eb70391d1d690",)"
                        R"("MessageId":"5fea7756-0ea4-451a-a703-a558b933e274"})");
}

Value received_message() {
  Value message = Value::structure();
  message.set("MessageId", Value::string("m1"))
      .set("ReceiptHandle", Value::string("rh"))
      .set("MD5OfBody", Value::string("x"))
      .set("Body", Value::string("a<b>&\r\n"))
      .set("Attributes", Value::string_map({{"SentTimestamp", "1700000000000"}}))
      .set("MD5OfMessageAttributes", Value::string("y"))
      .set("MessageAttributes", Value::message_attribute_map(
                                    {{"b", {"Binary", std::nullopt, std::string("\x00\x01", 2)}},
                                     {"s", {"String", "v", std::nullopt}}}));
  Value messages = Value::list();
  messages.push(std::move(message));
  Value result = Value::structure();
  result.set("Messages", std::move(messages));
  return result;
}

TEST(SqsResponseTest, ReceiveMessageFlattensMessagesAndAttributes) {
  EXPECT_EQ(render_xml_response("ReceiveMessage", received_message(), "rid"),
            xml_ok("ReceiveMessage",
                   "<ReceiveMessageResult><Message><MessageId>m1</MessageId>"
                   "<ReceiptHandle>rh</ReceiptHandle><MD5OfBody>x</MD5OfBody>"
                   "<Body>a&lt;b&gt;&amp;&#xD;\n</Body>"
                   "<Attribute><Name>SentTimestamp</Name><Value>1700000000000</Value></Attribute>"
                   "<MD5OfMessageAttributes>y</MD5OfMessageAttributes>"
                   "<MessageAttribute><Name>b</Name><Value><BinaryValue>AAE=</BinaryValue>"
                   "<DataType>Binary</DataType></Value></MessageAttribute>"
                   "<MessageAttribute><Name>s</Name><Value><StringValue>v</StringValue>"
                   "<DataType>String</DataType></Value></MessageAttribute>"
                   "</Message></ReceiveMessageResult>"));
  EXPECT_EQ(render_json_response(received_message()),
            R"({"Messages":[{"MessageId":"m1","ReceiptHandle":"rh","MD5OfBody":"x",)"
            R"("Body":"a<b>&\r\n","Attributes":{"SentTimestamp":"1700000000000"},)"
            R"("MD5OfMessageAttributes":"y","MessageAttributes":{"b":{"BinaryValue":"AAE=",)"
            R"("DataType":"Binary"},"s":{"StringValue":"v","DataType":"String"}}}]})");
}

TEST(SqsResponseTest, EmptyReceiveKeepsTheResultElement) {
  EXPECT_EQ(render_xml_response("ReceiveMessage", Value::structure(), "rid"),
            xml_ok("ReceiveMessage", "<ReceiveMessageResult></ReceiveMessageResult>"));
  EXPECT_EQ(render_json_response(Value::structure()), "{}");
}

TEST(SqsResponseTest, ActionsWithoutOutputOmitTheResult) {
  EXPECT_EQ(render_xml_response("DeleteMessage", Value::structure(), "rid"),
            xml_ok("DeleteMessage", ""));
  EXPECT_EQ(render_response(Protocol::kJson, "DeleteMessage", Value::structure(), "rid").body,
            "{}");
}

Value batch_result() {
  Value ok = Value::structure();
  ok.set("Id", Value::string("a"))
      .set("MessageId", Value::string("m1"))
      .set("MD5OfMessageBody", Value::string("d"));
  Value failed = Value::structure();
  failed.set("Id", Value::string("b"))
      .set("SenderFault", Value::boolean(true))
      .set("Code", Value::string("InvalidParameterValue"))
      .set("Message", Value::string("bad"));
  Value result = Value::structure();
  result.set("Successful", Value::list().push(std::move(ok)))
      .set("Failed", Value::list().push(std::move(failed)));
  return result;
}

TEST(SqsResponseTest, BatchEntriesAreNamedAfterTheAction) {
  EXPECT_EQ(render_xml_response("SendMessageBatch", batch_result(), "rid"),
            xml_ok("SendMessageBatch",
                   "<SendMessageBatchResult><SendMessageBatchResultEntry><Id>a</Id>"
                   "<MessageId>m1</MessageId><MD5OfMessageBody>d</MD5OfMessageBody>"
                   "</SendMessageBatchResultEntry><BatchResultErrorEntry><Id>b</Id>"
                   "<SenderFault>true</SenderFault><Code>InvalidParameterValue</Code>"
                   "<Message>bad</Message></BatchResultErrorEntry></SendMessageBatchResult>"));
  EXPECT_EQ(render_json_response(batch_result()),
            R"({"Successful":[{"Id":"a","MessageId":"m1","MD5OfMessageBody":"d"}],)"
            R"("Failed":[{"Id":"b","SenderFault":true,"Code":"InvalidParameterValue",)"
            R"("Message":"bad"}]})");
  Value deleted = Value::structure();
  deleted.set("Successful", Value::list().push(Value::structure().set("Id", Value::string("a"))))
      .set("Failed", Value::list());
  EXPECT_EQ(render_xml_response("DeleteMessageBatch", deleted, "rid"),
            xml_ok("DeleteMessageBatch",
                   "<DeleteMessageBatchResult><DeleteMessageBatchResultEntry><Id>a</Id>"
                   "</DeleteMessageBatchResultEntry></DeleteMessageBatchResult>"));
  EXPECT_EQ(render_json_response(deleted), R"({"Successful":[{"Id":"a"}],"Failed":[]})");
}

TEST(SqsResponseTest, QueueListsAttributesAndTags) {
  Value queues = Value::structure();
  queues.set("QueueUrls", Value::string_list({"http://h/0/a", "http://h/0/b"}));
  EXPECT_EQ(render_xml_response("ListQueues", queues, "rid"),
            xml_ok("ListQueues",
                   "<ListQueuesResult><QueueUrl>http://h/0/a</QueueUrl>"
                   "<QueueUrl>http://h/0/b</QueueUrl></ListQueuesResult>"));
  EXPECT_EQ(render_json_response(queues), R"({"QueueUrls":["http://h/0/a","http://h/0/b"]})");

  Value sources = Value::structure();
  sources.set("queueUrls", Value::string_list({"http://h/0/a"}));
  EXPECT_EQ(render_xml_response("ListDeadLetterSourceQueues", sources, "rid"),
            xml_ok("ListDeadLetterSourceQueues",
                   "<ListDeadLetterSourceQueuesResult><QueueUrl>http://h/0/a</QueueUrl>"
                   "</ListDeadLetterSourceQueuesResult>"));
  EXPECT_EQ(render_json_response(sources), R"({"queueUrls":["http://h/0/a"]})");

  Value attributes = Value::structure();
  attributes.set("Attributes",
                 Value::string_map({{"DelaySeconds", "0"}, {"VisibilityTimeout", "30"}}));
  EXPECT_EQ(render_xml_response("GetQueueAttributes", attributes, "rid"),
            xml_ok("GetQueueAttributes",
                   "<GetQueueAttributesResult><Attribute><Name>DelaySeconds</Name>"
                   "<Value>0</Value></Attribute><Attribute><Name>VisibilityTimeout</Name>"
                   "<Value>30</Value></Attribute></GetQueueAttributesResult>"));

  Value tags = Value::structure();
  tags.set("Tags", Value::string_map({{"team", "a"}}));
  EXPECT_EQ(render_xml_response("ListQueueTags", tags, "rid"),
            xml_ok("ListQueueTags",
                   "<ListQueueTagsResult><Tag><Key>team</Key><Value>a</Value></Tag>"
                   "</ListQueueTagsResult>"));
  EXPECT_EQ(render_json_response(tags), R"({"Tags":{"team":"a"}})");
}

TEST(SqsResponseTest, MessageMoveTasksWithIntegers) {
  Value entry = Value::structure();
  entry.set("TaskHandle", Value::string("t"))
      .set("Status", Value::string("RUNNING"))
      .set("ApproximateNumberOfMessagesMoved", Value::integer(12))
      .set("StartedTimestamp", Value::integer(1700000000000));
  Value result = Value::structure();
  result.set("Results", Value::list().push(std::move(entry)));
  EXPECT_EQ(render_xml_response("ListMessageMoveTasks", result, "rid"),
            xml_ok("ListMessageMoveTasks",
                   "<ListMessageMoveTasksResult><ListMessageMoveTasksResultEntry>"
                   "<TaskHandle>t</TaskHandle><Status>RUNNING</Status>"
                   "<ApproximateNumberOfMessagesMoved>12</ApproximateNumberOfMessagesMoved>"
                   "<StartedTimestamp>1700000000000</StartedTimestamp>"
                   "</ListMessageMoveTasksResultEntry></ListMessageMoveTasksResult>"));
  EXPECT_EQ(render_json_response(result),
            R"({"Results":[{"TaskHandle":"t","Status":"RUNNING",)"
            R"("ApproximateNumberOfMessagesMoved":12,"StartedTimestamp":1700000000000}]})");
}

}  // namespace
}  // namespace sluice::sqs::protocol
