#include "sqs/protocol/errors.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace sluice::sqs::protocol {
namespace {

TEST(SqsErrorsTest, ModelledErrorsHaveTheirThreeSpellings) {
  const ErrorInfo& missing = error_info(ErrorCode::kQueueDoesNotExist);
  EXPECT_EQ(missing.http_status, 400);
  EXPECT_EQ(missing.query_code, "AWS.SimpleQueueService.NonExistentQueue");
  EXPECT_EQ(json_error_type(ErrorCode::kQueueDoesNotExist), "com.amazonaws.sqs#QueueDoesNotExist");
  EXPECT_EQ(query_error_header(ErrorCode::kQueueDoesNotExist),
            "AWS.SimpleQueueService.NonExistentQueue;Sender");

  EXPECT_EQ(error_info(ErrorCode::kQueueNameExists).query_code, "QueueAlreadyExists");
  EXPECT_EQ(json_error_type(ErrorCode::kQueueNameExists), "com.amazonaws.sqs#QueueNameExists");
  EXPECT_EQ(error_info(ErrorCode::kPurgeQueueInProgress).http_status, 403);
  EXPECT_EQ(error_info(ErrorCode::kReceiptHandleIsInvalid).http_status, 404);
  EXPECT_EQ(error_info(ErrorCode::kOverLimit).http_status, 403);
  EXPECT_EQ(error_info(ErrorCode::kBatchEntryIdsNotDistinct).query_code,
            "AWS.SimpleQueueService.BatchEntryIdsNotDistinct");
  EXPECT_EQ(error_info(ErrorCode::kInvalidMessageContents).query_code, "InvalidMessageContents");
  EXPECT_EQ(error_info(ErrorCode::kSignatureDoesNotMatch).http_status, 403);
  EXPECT_EQ(error_info(ErrorCode::kInternalError).http_status, 500);
  EXPECT_EQ(query_error_header(ErrorCode::kInternalError), "InternalError;Receiver");
  EXPECT_EQ(error_info(ErrorCode::kServiceUnavailable).http_status, 503);
  EXPECT_EQ(query_error_header(ErrorCode::kServiceUnavailable), "ServiceUnavailable;Receiver");
}

TEST(SqsErrorsTest, EveryCodeSurvivesAStatusRoundTrip) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::kServiceUnavailable); ++i) {
    const auto code = static_cast<ErrorCode>(i);
    SCOPED_TRACE(error_info(code).shape);
    const Status status = make_error(code, "why");
    EXPECT_FALSE(status.is_ok());
    EXPECT_EQ(error_from_status(status), (SqsError{code, "why"}));
  }
}

TEST(SqsErrorsTest, StatusKindFollowsTheCode) {
  EXPECT_EQ(make_error(ErrorCode::kQueueDoesNotExist, "x").code(), StatusCode::kNotFound);
  EXPECT_EQ(make_error(ErrorCode::kQueueNameExists, "x").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(make_error(ErrorCode::kInvalidParameterValue, "x").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(make_error(ErrorCode::kInternalError, "x").code(), StatusCode::kIoError);
}

TEST(SqsErrorsTest, PlainStatusesMapByKind) {
  EXPECT_EQ(error_from_status(Status::invalid_argument("bad")),
            (SqsError{ErrorCode::kInvalidParameterValue, "bad"}));
  EXPECT_EQ(error_from_status(Status::io_error("disk")),
            (SqsError{ErrorCode::kInternalError, "disk"}));
  EXPECT_EQ(error_from_status(Status::from_errno("pwrite 0.log", ENOSPC)).code,
            ErrorCode::kServiceUnavailable);
  EXPECT_EQ(error_from_status(Status::invalid_argument("[sqs:NoSuchShape] x")),
            (SqsError{ErrorCode::kInvalidParameterValue, "[sqs:NoSuchShape] x"}));
}

TEST(SqsErrorsTest, RendersQueryErrorAsXml) {
  const HttpReply reply = render_error(
      Protocol::kQuery, {ErrorCode::kQueueNameExists, "The queue exists & <always> did."}, "req-1");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.content_type, "text/xml");
  EXPECT_EQ(reply.headers,
            (std::vector<std::pair<std::string, std::string>>{{"x-amzn-RequestId", "req-1"}}));
  EXPECT_EQ(reply.body,
            "<?xml version=\"1.0\"?><ErrorResponse "
            "xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\"><Error><Type>Sender</Type>"
            "<Code>QueueAlreadyExists</Code><Message>The queue exists &amp; &lt;always&gt; "
            "did.</Message><Detail/></Error>"
            "<RequestId>req-1</RequestId></ErrorResponse>");
}

TEST(SqsErrorsTest, RendersJsonErrorWithQueryErrorHeader) {
  const HttpReply reply =
      render_error(Protocol::kJson,
                   {ErrorCode::kQueueDoesNotExist, "The specified queue does not exist."}, "req-2");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.content_type, "application/x-amz-json-1.0");
  EXPECT_EQ(reply.headers,
            (std::vector<std::pair<std::string, std::string>>{
                {"x-amzn-RequestId", "req-2"},
                {"x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender"}}));
  EXPECT_EQ(reply.body, R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist",)"
                        R"("message":"The specified queue does not exist."})");
}

// AWS words a missing queue differently per protocol, and names no queue in either.
TEST(SqsErrorsTest, MissingQueueIsWordedForTheRequestsProtocol) {
  const SqsError error = error_from_status(queue_does_not_exist());
  EXPECT_EQ(error,
            (SqsError{ErrorCode::kQueueDoesNotExist, "The specified queue does not exist."}));
  const HttpReply json =
      render_error(Protocol::kJson, {ErrorCode::kQueueDoesNotExist, "queue q is gone"}, "r");
  EXPECT_EQ(json.body, R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist",)"
                       R"("message":"The specified queue does not exist."})");
  const HttpReply xml = render_error(Protocol::kQuery, error, "r");
  EXPECT_NE(xml.body.find("<Message>The specified queue does not exist for this wsdl "
                          "version.</Message>"),
            std::string::npos)
      << xml.body;
}

TEST(SqsErrorsTest, ReceiptHandleAndMissingParameterWordings) {
  EXPECT_EQ(error_from_status(invalid_receipt_handle("abc")),
            (SqsError{ErrorCode::kReceiptHandleIsInvalid,
                      "The input receipt handle \"abc\" is not a valid receipt handle."}));
  EXPECT_EQ(invalid_receipt_handle_in_batch("abc"),
            "The receipt handle \"abc\" is not valid for this queue.");
  EXPECT_EQ(error_from_status(missing_parameter("MessageGroupId")),
            (SqsError{ErrorCode::kMissingParameter,
                      "The request must contain the parameter MessageGroupId."}));
}

TEST(SqsErrorsTest, ReceiverFaultsAndInvalidUtf8InMessages) {
  const HttpReply xml = render_error(Protocol::kQuery, {ErrorCode::kInternalError, "a\x01"}, "r");
  EXPECT_EQ(xml.status, 500);
  EXPECT_NE(xml.body.find("<Type>Receiver</Type><Code>InternalError</Code>"
                          "<Message>a\xEF\xBF\xBD</Message>"),
            std::string::npos);
  const HttpReply json = render_error(Protocol::kJson, {ErrorCode::kInternalError, "\xff"}, "r");
  EXPECT_EQ(json.body,
            "{\"__type\":\"com.amazonaws.sqs#InternalError\",\"message\":\"\xEF\xBF\xBD\"}");
}

}  // namespace
}  // namespace sluice::sqs::protocol
