// Standard queues: send, receive, delete, visibility, delays, dead letters, purge, limits.
#include "queues/queue.h"

#include <gtest/gtest.h>

#include "queue_test_util.h"

namespace sluice::queues {
namespace {

using sqs::protocol::ErrorCode;

class QueueTest : public QueueTestBase {};

TEST_F(QueueTest, SentMessageIsReceivedWithItsAttributesAndDeleted) {
  auto queue = create("jobs");
  SendRequest request;
  request.body = "hello";
  request.attributes["colour"] = {"String", std::string("blue"), std::nullopt};
  auto sent = queue->send(request);
  ASSERT_TRUE(sent.is_ok());
  EXPECT_EQ(sent->md5_of_body, "5d41402abc4b2a76b9719d911017c592");

  auto received = receive(*queue);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].body, "hello");
  EXPECT_EQ(received[0].message_id, sent->message_id);
  EXPECT_EQ(received[0].attributes.at("colour").string_value, "blue");
  EXPECT_EQ(received[0].md5_of_attributes, sent->md5_of_attributes);
  EXPECT_EQ(received[0].system_attributes.at("ApproximateReceiveCount"), "1");
  EXPECT_EQ(received[0].system_attributes.at("SentTimestamp"), std::to_string(now_ms_.load()));
  EXPECT_EQ(received[0].system_attributes.at("ApproximateFirstReceiveTimestamp"),
            std::to_string(now_ms_.load()));
  EXPECT_TRUE(receive(*queue).empty());  // in flight

  ASSERT_TRUE(queue->delete_message(received[0].receipt_handle).is_ok());
  advance_s(31);
  EXPECT_TRUE(receive(*queue).empty());
}

TEST_F(QueueTest, ExpiredVisibilityRedeliversWithANewHandleAndCountTwo) {
  auto queue = create("jobs");
  send(*queue, "work");
  auto first = receive(*queue);
  ASSERT_EQ(first.size(), 1u);
  advance_s(29);
  EXPECT_TRUE(receive(*queue).empty());
  advance_s(1);
  auto second = receive(*queue);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_NE(second[0].receipt_handle, first[0].receipt_handle);
  EXPECT_EQ(second[0].system_attributes.at("ApproximateReceiveCount"), "2");
  EXPECT_EQ(second[0].system_attributes.at("ApproximateFirstReceiveTimestamp"),
            first[0].system_attributes.at("ApproximateFirstReceiveTimestamp"));
}

TEST_F(QueueTest, StaleHandleStillDeletesOnAStandardQueue) {
  auto queue = create("jobs");
  send(*queue, "work");
  auto first = receive(*queue, 1, 0);
  auto second = receive(*queue, 1, 30);
  ASSERT_EQ(second.size(), 1u);
  ASSERT_TRUE(queue->delete_message(first[0].receipt_handle).is_ok());
  advance_s(60);
  EXPECT_TRUE(receive(*queue).empty());
}

// SQS accepts any handle of a standard queue's message and changes its current receive.
TEST_F(QueueTest, OlderHandleChangesTheVisibilityOfTheCurrentReceive) {
  auto queue = create("jobs");
  send(*queue, "work");
  auto first = receive(*queue, 1, 0);
  auto second = receive(*queue, 1, 30);
  ASSERT_EQ(second.size(), 1u);
  ASSERT_TRUE(queue->change_visibility(first[0].receipt_handle, 100).is_ok());
  advance_s(99);
  EXPECT_TRUE(receive(*queue).empty());
  advance_s(1);
  auto third = receive(*queue, 1, 30);
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].system_attributes.at("ApproximateReceiveCount"), "3");
  // The change is recorded for the current receive: a restart keeps it.
  ASSERT_TRUE(queue->change_visibility(first[0].receipt_handle, 200).is_ok());
  queue = restart_queue("jobs", /*crash=*/true);
  advance_s(199);
  EXPECT_TRUE(receive(*queue).empty());
  advance_s(1);
  EXPECT_EQ(receive(*queue).size(), 1u);
}

TEST_F(QueueTest, ForgedHandleIsInvalid) {
  auto queue = create("jobs");
  EXPECT_EQ(sqs::protocol::error_from_status(queue->delete_message("AAAA")),
            (sqs::protocol::SqsError{
                ErrorCode::kReceiptHandleIsInvalid,
                "The input receipt handle \"AAAA\" is not a valid receipt handle."}));
  EXPECT_EQ(sqs::protocol::error_from_status(queue->change_visibility("AAAA", 5)).message,
            "The input receipt handle \"AAAA\" is not a valid receipt handle.");
  auto other = create("other");
  send(*other, "x");
  auto received = receive(*other);
  EXPECT_EQ(code(queue->delete_message(received[0].receipt_handle)),
            ErrorCode::kReceiptHandleIsInvalid);
}

TEST_F(QueueTest, ChangeVisibilityZeroMakesItVisibleNowAndWakesWaiters) {
  auto queue = create("jobs");
  send(*queue, "work");
  auto received = receive(*queue);
  int woken = 0;
  queue->subscribe([&] { ++woken; });
  ASSERT_TRUE(queue->change_visibility(received[0].receipt_handle, 0).is_ok());
  EXPECT_EQ(woken, 1);
  auto again = receive(*queue);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].system_attributes.at("ApproximateReceiveCount"), "2");
}

TEST_F(QueueTest, ChangeVisibilityCountsFromTheCall) {
  auto queue = create("jobs");
  send(*queue, "work");
  auto received = receive(*queue);
  advance_s(20);
  ASSERT_TRUE(queue->change_visibility(received[0].receipt_handle, 60).is_ok());
  advance_s(59);
  EXPECT_TRUE(receive(*queue).empty());
  EXPECT_EQ(queue->next_visible_at(), now_ms_.load() + 1000);
  advance_s(1);
  EXPECT_EQ(receive(*queue).size(), 1u);
}

TEST_F(QueueTest, ChangeVisibilityOfAMessageNotInFlightFails) {
  auto queue = create("jobs");
  send(*queue, "work");
  auto received = receive(*queue, 1, 10);
  advance_s(10);
  EXPECT_EQ(code(queue->change_visibility(received[0].receipt_handle, 5)),
            ErrorCode::kMessageNotInflight);
  EXPECT_EQ(code(queue->change_visibility(received[0].receipt_handle, 43201)),
            ErrorCode::kInvalidParameterValue);
}

TEST_F(QueueTest, PerMessageAndPerQueueDelays) {
  auto queue = create("delayed", {{"DelaySeconds", "10"}});
  send(*queue, "queue-delay");
  SendRequest request;
  request.body = "message-delay";
  request.delay_seconds = 5;
  ASSERT_TRUE(queue->send(request).is_ok());
  EXPECT_TRUE(receive(*queue).empty());
  EXPECT_EQ(queue->counts().delayed, 2);
  EXPECT_EQ(queue->next_visible_at(), now_ms_.load() + 5000);
  advance_s(5);
  EXPECT_EQ(bodies(receive(*queue)), std::vector<std::string>{"message-delay"});
  advance_s(5);
  EXPECT_EQ(bodies(receive(*queue)), std::vector<std::string>{"queue-delay"});
  request.delay_seconds = 901;
  EXPECT_EQ(code(queue->send(request).status()), ErrorCode::kInvalidParameterValue);
}

TEST_F(QueueTest, CountersSeparateVisibleInFlightAndDelayed) {
  auto queue = create("jobs");
  send(*queue, "a");
  send(*queue, "b");
  SendRequest delayed{"c", {}, {}, 60, std::nullopt, std::nullopt};
  ASSERT_TRUE(queue->send(delayed).is_ok());
  receive(*queue, 1);
  const StringMap attributes = queue->get_attributes({"All"});
  EXPECT_EQ(attributes.at("ApproximateNumberOfMessages"), "1");
  EXPECT_EQ(attributes.at("ApproximateNumberOfMessagesNotVisible"), "1");
  EXPECT_EQ(attributes.at("ApproximateNumberOfMessagesDelayed"), "1");
  EXPECT_EQ(attributes.at("VisibilityTimeout"), "30");
  EXPECT_EQ(attributes.at("QueueArn"), "arn:aws:sqs:us-east-1:000000000000:jobs");
}

TEST_F(QueueTest, MessageMovesToTheDeadLetterQueueAfterMaxReceiveCount) {
  auto dlq = create("jobs-dlq");
  auto queue = create(
      "jobs",
      {{"RedrivePolicy",
        R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:jobs-dlq","maxReceiveCount":2})"}});
  auto sent = send(*queue, "poison");
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(receive(*queue, 1, 0).size(), 1u);
  }
  EXPECT_TRUE(receive(*queue, 1, 0).empty());
  auto dead = receive(*dlq);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].body, "poison");
  EXPECT_EQ(dead[0].message_id, sent.message_id);
  EXPECT_EQ(dead[0].system_attributes.at("DeadLetterQueueSourceArn"),
            "arn:aws:sqs:us-east-1:000000000000:jobs");
  EXPECT_EQ(dead[0].system_attributes.at("ApproximateReceiveCount"), "1");
  auto sources = manager_->dead_letter_source_queues("jobs-dlq");
  ASSERT_TRUE(sources.is_ok());
  EXPECT_EQ(*sources, std::vector<std::string>{"jobs"});
}

TEST_F(QueueTest, PurgeRemovesEverythingOncePerMinute) {
  auto queue = create("jobs");
  send(*queue, "a");
  send(*queue, "b");
  auto in_flight = receive(*queue, 1);
  ASSERT_TRUE(queue->purge().is_ok());
  EXPECT_EQ(code(queue->purge()), ErrorCode::kPurgeQueueInProgress);
  advance_s(60);
  EXPECT_TRUE(receive(*queue).empty());
  EXPECT_TRUE(queue->delete_message(in_flight[0].receipt_handle).is_ok());
  send(*queue, "c");
  EXPECT_EQ(bodies(receive(*queue)), std::vector<std::string>{"c"});
  EXPECT_TRUE(queue->purge().is_ok());
}

TEST_F(QueueTest, InvalidMessagesAreRejectedWithSqsErrors) {
  auto queue = create("jobs", {{"MaximumMessageSize", "1024"}});
  EXPECT_EQ(code(queue->send(SendRequest{}).status()), ErrorCode::kMissingParameter);
  SendRequest bad_text{std::string("a\x01", 2), {}, {}, std::nullopt, std::nullopt, std::nullopt};
  EXPECT_EQ(code(queue->send(bad_text).status()), ErrorCode::kInvalidMessageContents);
  SendRequest too_big{std::string(1025, 'x'), {}, {}, std::nullopt, std::nullopt, std::nullopt};
  EXPECT_EQ(code(queue->send(too_big).status()), ErrorCode::kInvalidParameterValue);
  SendRequest bad_attribute{"x", {}, {}, std::nullopt, std::nullopt, std::nullopt};
  bad_attribute.attributes["AWS.reserved"] = {"String", std::string("v"), std::nullopt};
  EXPECT_EQ(code(queue->send(bad_attribute).status()), ErrorCode::kInvalidParameterValue);
  SendRequest dedup{"x", {}, {}, std::nullopt, std::nullopt, std::string("d")};
  EXPECT_EQ(code(queue->send(dedup).status()), ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(code(queue->receive(ReceiveRequest{11, std::nullopt}).status()),
            ErrorCode::kInvalidParameterValue);
}

TEST_F(QueueTest, BatchSendReportsEachEntry) {
  auto queue = create("jobs");
  std::vector<SendRequest> batch(3);
  batch[0].body = "one";
  batch[2].body = "three";
  auto results = queue->send_batch(batch);
  ASSERT_TRUE(results.is_ok());
  ASSERT_EQ(results->size(), 3u);
  EXPECT_TRUE((*results)[0].is_ok());
  EXPECT_EQ(code((*results)[1].status()), ErrorCode::kMissingParameter);
  EXPECT_TRUE((*results)[2].is_ok());
  EXPECT_EQ(bodies(receive(*queue)), (std::vector<std::string>{"one", "three"}));
  std::vector<SendRequest> huge(2);
  huge[0].body = huge[1].body = std::string(600 * 1024, 'x');
  EXPECT_EQ(code(queue->send_batch(huge).status()), ErrorCode::kBatchRequestTooLong);
}

TEST_F(QueueTest, OneMessageOverOneMebibyteIsTooLongNotABatch) {
  auto queue = create("jobs");
  SendRequest over;
  over.body = std::string(1024 * 1024 + 1, 'x');
  const Status status = queue->send(over).status();
  EXPECT_EQ(code(status), ErrorCode::kInvalidParameterValue);
  EXPECT_NE(status.message().find("Message must be shorter than 1048576 bytes."),
            std::string::npos);
}

TEST_F(QueueTest, DeletingEveryMessageReleasesLogSpace) {
  auto queue = create("jobs");
  for (int i = 0; i < 5; ++i) send(*queue, "m" + std::to_string(i));
  auto received = receive(*queue, 10);
  ASSERT_EQ(received.size(), 5u);
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(queue->delete_message(received[i].receipt_handle).is_ok());
  EXPECT_EQ(queue->messages_log_start(), 0);  // one left: below the reclaim step
  ASSERT_TRUE(queue->delete_message(received[4].receipt_handle).is_ok());
  EXPECT_EQ(queue->messages_log_start(), 5);
  // A handle of a reclaimed message still deletes (nothing) successfully.
  EXPECT_TRUE(queue->delete_message(received[0].receipt_handle).is_ok());
}

TEST_F(QueueTest, ExpiredRetentionDropsMessages) {
  auto queue = create("jobs", {{"MessageRetentionPeriod", "60"}});
  send(*queue, "old");
  advance_s(60);
  EXPECT_TRUE(receive(*queue).empty());
  EXPECT_EQ(queue->counts().visible, 0);
}

TEST_F(QueueTest, SubscribersAreWokenBySends) {
  auto queue = create("jobs");
  int woken = 0;
  queue->subscribe([&] { ++woken; });
  send(*queue, "a");
  send(*queue, "b");
  EXPECT_EQ(woken, 1);  // once per subscription
  EXPECT_EQ(queue->next_visible_at(), now_ms_.load());
}

}  // namespace
}  // namespace sluice::queues
