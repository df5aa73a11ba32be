// FIFO queues: per-group order, one group in flight at a time, deduplication.
#include <gtest/gtest.h>

#include "queue_test_util.h"
#include "queues/queue.h"

namespace sluice::queues {
namespace {

using sqs::protocol::ErrorCode;

class FifoQueueTest : public QueueTestBase {
 protected:
  std::shared_ptr<Queue> create_fifo(const StringMap& extra = {}) {
    StringMap attributes = {{"FifoQueue", "true"}, {"ContentBasedDeduplication", "true"}};
    for (const auto& [key, value] : extra) attributes[key] = value;
    return create("orders.fifo", attributes);
  }
};

TEST_F(FifoQueueTest, GroupIsBlockedWhileOneOfItsMessagesIsInFlight) {
  auto queue = create_fifo();
  send(*queue, "a1", "a");
  send(*queue, "a2", "a");
  send(*queue, "b1", "b");
  auto first = receive(*queue, 1);
  EXPECT_EQ(bodies(first), std::vector<std::string>{"a1"});
  EXPECT_EQ(bodies(receive(*queue, 10)), std::vector<std::string>{"b1"});
  EXPECT_TRUE(receive(*queue, 10).empty());
  ASSERT_TRUE(queue->delete_message(first[0].receipt_handle).is_ok());
  auto second = receive(*queue, 10);
  EXPECT_EQ(bodies(second), std::vector<std::string>{"a2"});
  EXPECT_EQ(second[0].system_attributes.at("MessageGroupId"), "a");
  EXPECT_EQ(second[0].system_attributes.at("SequenceNumber"), "00000000000000000001");
}

TEST_F(FifoQueueTest, GroupOrderHoldsAfterVisibilityExpiry) {
  auto queue = create_fifo();
  for (const char* body : {"1", "2", "3"}) send(*queue, body, "g");
  auto batch = receive(*queue, 2);
  EXPECT_EQ(bodies(batch), (std::vector<std::string>{"1", "2"}));
  ASSERT_TRUE(queue->delete_message(batch[1].receipt_handle).is_ok());
  EXPECT_TRUE(receive(*queue).empty());  // "1" still in flight blocks "3"
  advance_s(30);
  auto redelivered = receive(*queue, 10);
  EXPECT_EQ(bodies(redelivered), (std::vector<std::string>{"1", "3"}));
  EXPECT_EQ(redelivered[0].system_attributes.at("ApproximateReceiveCount"), "2");
}

TEST_F(FifoQueueTest, DuplicateWithinFiveMinutesIsAcknowledgedNotDelivered) {
  auto queue = create_fifo();
  auto first = send(*queue, "pay", "g", "order-1");
  auto received = receive(*queue);
  ASSERT_TRUE(queue->delete_message(received[0].receipt_handle).is_ok());
  advance_s(299);
  auto duplicate = send(*queue, "pay again", "g", "order-1");
  EXPECT_EQ(duplicate.message_id, first.message_id);
  EXPECT_EQ(duplicate.sequence_number, first.sequence_number);
  EXPECT_TRUE(receive(*queue).empty());
  advance_s(1);
  auto later = send(*queue, "pay later", "g", "order-1");
  EXPECT_NE(later.message_id, first.message_id);
  EXPECT_EQ(bodies(receive(*queue)), std::vector<std::string>{"pay later"});
}

TEST_F(FifoQueueTest, ContentBasedDeduplicationUsesTheBody) {
  auto queue = create_fifo();
  auto first = send(*queue, "same", "g");
  auto second = send(*queue, "same", "h");
  EXPECT_EQ(second.message_id, first.message_id);
  send(*queue, "other", "g");
  EXPECT_EQ(bodies(receive(*queue, 10)), (std::vector<std::string>{"same", "other"}));
}

TEST_F(FifoQueueTest, DeduplicationScopeMessageGroupKeepsGroupsApart) {
  auto queue = create_fifo({{"DeduplicationScope", "messageGroup"}});
  auto first = send(*queue, "x", "g", "id");
  auto second = send(*queue, "x", "h", "id");
  EXPECT_NE(second.message_id, first.message_id);
}

TEST_F(FifoQueueTest, FifoRulesForSends) {
  using sqs::protocol::error_from_status;
  using sqs::protocol::SqsError;
  auto queue = create("plain.fifo", {{"FifoQueue", "true"}});
  SendRequest no_group{"x", {}, {}, std::nullopt, std::nullopt, std::string("d")};
  EXPECT_EQ(error_from_status(queue->send(no_group).status()),
            (SqsError{ErrorCode::kMissingParameter,
                      "The request must contain the parameter MessageGroupId."}));
  SendRequest no_dedup{"x", {}, {}, std::nullopt, std::string("g"), std::nullopt};
  EXPECT_EQ(error_from_status(queue->send(no_dedup).status()),
            (SqsError{ErrorCode::kInvalidParameterValue,
                      "The queue should either have ContentBasedDeduplication enabled or "
                      "MessageDeduplicationId provided explicitly"}));
  SendRequest delayed{"x", {}, {}, 5, std::string("g"), std::string("d")};
  EXPECT_EQ(error_from_status(queue->send(delayed).status()),
            (SqsError{ErrorCode::kInvalidParameterValue,
                      "Value 5 for parameter DelaySeconds is invalid. Reason: The request include "
                      "parameter that is not valid for this queue type."}));
}

// SDKs send DelaySeconds=0 with every message; the queue's own delay still applies.
TEST_F(FifoQueueTest, DelaySecondsZeroIsAcceptedAndTheQueueDelayApplies) {
  auto queue = create("delayed.fifo", {{"FifoQueue", "true"}, {"DelaySeconds", "10"}});
  SendRequest zero{"x", {}, {}, 0, std::string("g"), std::string("d")};
  ASSERT_TRUE(queue->send(zero).is_ok());
  advance_s(9);
  EXPECT_TRUE(receive(*queue).empty());
  advance_s(1);
  EXPECT_EQ(bodies(receive(*queue)), std::vector<std::string>{"x"});
}

// A batch with one entry lacking a group or a deduplication id fails whole, as SQS answers.
TEST_F(FifoQueueTest, BatchWithoutGroupOrDeduplicationIdFailsWhole) {
  using sqs::protocol::error_from_status;
  using sqs::protocol::SqsError;
  auto queue = create("batch.fifo", {{"FifoQueue", "true"}});
  const SendRequest good{"a", {}, {}, std::nullopt, std::string("g"), std::string("d1")};
  const SendRequest no_group{"b", {}, {}, std::nullopt, std::nullopt, std::string("d2")};
  const SendRequest no_dedup{"c", {}, {}, std::nullopt, std::string("g"), std::nullopt};
  EXPECT_EQ(error_from_status(queue->send_batch({good, no_group}).status()),
            (SqsError{ErrorCode::kInvalidParameterValue,
                      "The request must contain the parameter MessageGroupId."}));
  EXPECT_EQ(error_from_status(queue->send_batch({good, no_dedup}).status()),
            (SqsError{ErrorCode::kInvalidParameterValue,
                      "The queue should either have ContentBasedDeduplication enabled or "
                      "MessageDeduplicationId provided explicitly"}));
  EXPECT_TRUE(receive(*queue).empty());
  // Content-based deduplication supplies the missing ids.
  ASSERT_TRUE(queue->set_attributes({{"ContentBasedDeduplication", "true"}}).is_ok());
  auto sent = queue->send_batch({good, no_dedup});
  ASSERT_TRUE(sent.is_ok());
  EXPECT_EQ(bodies(receive(*queue)), (std::vector<std::string>{"a", "c"}));
}

TEST_F(FifoQueueTest, StaleHandleIsRejected) {
  auto queue = create_fifo();
  send(*queue, "x", "g");
  auto first = receive(*queue, 1, 5);
  advance_s(5);
  EXPECT_EQ(code(queue->delete_message(first[0].receipt_handle)),
            ErrorCode::kInvalidParameterValue);
  auto second = receive(*queue, 1);
  EXPECT_EQ(code(queue->delete_message(first[0].receipt_handle)),
            ErrorCode::kInvalidParameterValue);
  EXPECT_TRUE(queue->delete_message(second[0].receipt_handle).is_ok());
}

TEST_F(FifoQueueTest, DeadLetterMoveKeepsTheGroupMoving) {
  create("orders-dlq.fifo", {{"FifoQueue", "true"}});
  auto queue = create_fifo(
      {{"RedrivePolicy",
        R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:orders-dlq.fifo","maxReceiveCount":1})"}});
  send(*queue, "bad", "g");
  send(*queue, "good", "g");
  EXPECT_EQ(bodies(receive(*queue, 1, 0)), std::vector<std::string>{"bad"});
  EXPECT_EQ(bodies(receive(*queue, 1)), std::vector<std::string>{"good"});
  auto dlq = manager_->get_queue("orders-dlq.fifo");
  ASSERT_TRUE(dlq.is_ok());
  auto dead = receive(**dlq);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].body, "bad");
  EXPECT_EQ(dead[0].system_attributes.at("MessageGroupId"), "g");
}

// A ReceiveMessage retried with the same ReceiveRequestAttemptId: the same messages and
// receipt handles while they are untouched, with their visibility timeout reset.
class ReceiveAttemptTest : public FifoQueueTest {
 protected:
  std::vector<ReceivedMessage> attempt(Queue& queue, const std::string& id, int max = 10,
                                       std::optional<int64_t> visibility = std::nullopt) {
    ReceiveRequest request{max, visibility, id};
    auto result = queue.receive(request);
    EXPECT_TRUE(result.is_ok()) << result.status().to_string();
    return result.is_ok() ? *result : std::vector<ReceivedMessage>{};
  }
  static std::vector<std::string> handles(const std::vector<ReceivedMessage>& messages) {
    std::vector<std::string> out;
    for (const auto& message : messages) out.push_back(message.receipt_handle);
    return out;
  }
};

TEST_F(ReceiveAttemptTest, RetryReturnsTheSameMessagesAndHandles) {
  auto queue = create_fifo();
  for (const char* body : {"a1", "a2", "b1"}) send(*queue, body, body[0] == 'a' ? "a" : "b");
  auto first = attempt(*queue, "try-1", 2);
  ASSERT_EQ(bodies(first), (std::vector<std::string>{"a1", "a2"}));
  advance_s(20);
  // The lost answer's groups are locked by its own receive: a plain receive gets b1 only.
  auto retry = attempt(*queue, "try-1", 2);
  EXPECT_EQ(bodies(retry), bodies(first));
  EXPECT_EQ(handles(retry), handles(first));
  EXPECT_EQ(retry[0].system_attributes.at("ApproximateReceiveCount"), "1");
  // The retry reset the 30 s visibility: 29 s after it the messages are still in flight.
  advance_s(29);
  EXPECT_EQ(bodies(receive(*queue)), std::vector<std::string>{"b1"});
  for (const auto& message : retry) {
    EXPECT_TRUE(queue->delete_message(message.receipt_handle).is_ok());
  }
}

TEST_F(ReceiveAttemptTest, ADifferentIdIsANewReceive) {
  auto queue = create_fifo();
  send(*queue, "a1", "a");
  send(*queue, "b1", "b");
  EXPECT_EQ(bodies(attempt(*queue, "try-1", 1)), std::vector<std::string>{"a1"});
  EXPECT_EQ(bodies(attempt(*queue, "try-2", 1)), std::vector<std::string>{"b1"});
  EXPECT_TRUE(attempt(*queue, "try-3", 1).empty());
}

TEST_F(ReceiveAttemptTest, ModifiedMessagesMakeTheRetryANewReceive) {
  auto queue = create_fifo();
  send(*queue, "a1", "a");
  send(*queue, "a2", "a");
  auto first = attempt(*queue, "try-1", 1);
  ASSERT_EQ(bodies(first), std::vector<std::string>{"a1"});
  ASSERT_TRUE(queue->delete_message(first[0].receipt_handle).is_ok());
  auto retry = attempt(*queue, "try-1", 1);
  EXPECT_EQ(bodies(retry), std::vector<std::string>{"a2"});

  // A visibility change is a modification too.
  ASSERT_TRUE(queue->change_visibility(retry[0].receipt_handle, 60).is_ok());
  EXPECT_TRUE(attempt(*queue, "try-1", 1).empty());  // a2 in flight, a new receive finds none
}

TEST_F(ReceiveAttemptTest, ExpiredVisibilityOrWindowMakesTheRetryANewReceive) {
  auto queue = create_fifo();
  send(*queue, "a1", "a");
  auto first = attempt(*queue, "try-1", 1, 10);
  advance_s(11);  // visible again: the retry receives it anew, with a new handle
  auto again = attempt(*queue, "try-1", 1, 10);
  ASSERT_EQ(bodies(again), std::vector<std::string>{"a1"});
  EXPECT_NE(again[0].receipt_handle, first[0].receipt_handle);
  EXPECT_EQ(again[0].system_attributes.at("ApproximateReceiveCount"), "2");

  // Retries keep it for the 5 minutes from the attempt's first receive, and no longer.
  advance_s(9);
  EXPECT_EQ(handles(attempt(*queue, "try-1", 1, 600)), handles(again));
  advance_s(279);  // 299 s since the first receive of "try-1"
  EXPECT_EQ(handles(attempt(*queue, "try-1", 1, 600)), handles(again));
  advance_s(1);
  EXPECT_TRUE(attempt(*queue, "try-1", 1, 600).empty());  // a new receive: a1 is in flight
}

TEST_F(ReceiveAttemptTest, RetriedVisibilitySurvivesARestart) {
  auto queue = create_fifo();
  send(*queue, "a1", "a");
  auto first = attempt(*queue, "try-1", 1, 10);
  advance_s(8);
  ASSERT_EQ(handles(attempt(*queue, "try-1", 1, 10)), handles(first));
  queue.reset();
  manager_.reset();
  manager_ = open_manager(dir_);
  auto reopened = manager_->get_queue("orders.fifo");
  ASSERT_TRUE(reopened.is_ok());
  queue = *reopened;
  advance_s(9);  // 17 s after the first receive, 9 s after the retry reset it to 10 s
  EXPECT_TRUE(receive(*queue).empty());
  advance_s(2);
  EXPECT_EQ(bodies(receive(*queue)), std::vector<std::string>{"a1"});
}

}  // namespace
}  // namespace sluice::queues
