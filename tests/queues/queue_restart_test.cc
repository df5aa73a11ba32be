// Restarts: a clean close and a crash (the directory as it was on disk while the queue ran)
// both keep undeleted messages, keep deletes deleted and restore in-flight visibility.
#include <gtest/gtest.h>

#include "queue_test_util.h"
#include "queues/queue.h"

namespace sluice::queues {
namespace {

class QueueRestartTest : public QueueTestBase, public ::testing::WithParamInterface<bool> {
 protected:
  // Reopens the manager: after a clean close, or from a copy of the directory taken while the
  // manager was running (nothing flushed or marked clean beyond what each call made durable).
  std::shared_ptr<Queue> restart(const std::string& name) {
    return restart_queue(name, GetParam());
  }
};

TEST_P(QueueRestartTest, UndeletedStayDeletedStayGoneInFlightKeepsItsVisibility) {
  auto queue = create("jobs");
  send(*queue, "deleted");
  send(*queue, "in-flight");
  send(*queue, "waiting");
  auto first = receive(*queue, 1);
  ASSERT_TRUE(queue->delete_message(first[0].receipt_handle).is_ok());
  auto second = receive(*queue, 1, 100);
  ASSERT_EQ(bodies(second), std::vector<std::string>{"in-flight"});
  advance_s(40);

  queue = restart("jobs");
  ASSERT_NE(queue, nullptr);
  EXPECT_EQ(bodies(receive(*queue, 10, 1000)), std::vector<std::string>{"waiting"});
  advance_s(59);
  EXPECT_TRUE(receive(*queue, 10).empty());
  advance_s(1);
  auto again = receive(*queue, 10);
  ASSERT_EQ(bodies(again), std::vector<std::string>{"in-flight"});
  EXPECT_EQ(again[0].system_attributes.at("ApproximateReceiveCount"), "2");
  // The handle from before the restart still deletes (standard queue, same secret).
  EXPECT_TRUE(queue->delete_message(second[0].receipt_handle).is_ok());
}

TEST_P(QueueRestartTest, BatchDeletesAreEachAnsweredAndStayDeleted) {
  auto queue = create("jobs");
  for (const char* body : {"a", "b", "c", "kept"}) send(*queue, body);
  auto received = receive(*queue, 3, 1000);
  ASSERT_EQ(received.size(), 3u);
  const std::vector<std::string_view> handles = {
      received[0].receipt_handle, "forged", received[1].receipt_handle, received[2].receipt_handle};
  const std::vector<Status> results = queue->delete_messages(handles);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_TRUE(results[0].is_ok());
  EXPECT_EQ(code(results[1]), sqs::protocol::ErrorCode::kReceiptHandleIsInvalid);
  EXPECT_TRUE(results[2].is_ok() && results[3].is_ok());

  queue = restart("jobs");
  ASSERT_NE(queue, nullptr);
  advance_s(1000);
  EXPECT_EQ(bodies(receive(*queue, 10)), std::vector<std::string>{"kept"});
}

TEST_P(QueueRestartTest, PurgeAndVisibilityChangesSurvive) {
  auto queue = create("jobs");
  send(*queue, "purged");
  ASSERT_TRUE(queue->purge().is_ok());
  send(*queue, "kept");
  auto received = receive(*queue, 1);
  ASSERT_TRUE(queue->change_visibility(received[0].receipt_handle, 500).is_ok());
  queue = restart("jobs");
  advance_s(499);
  EXPECT_TRUE(receive(*queue, 10).empty());
  advance_s(1);
  EXPECT_EQ(bodies(receive(*queue, 10)), std::vector<std::string>{"kept"});
}

TEST_P(QueueRestartTest, FifoDedupAndGroupLockSurvive) {
  auto queue = create("orders.fifo", {{"FifoQueue", "true"}});
  auto first = send(*queue, "a1", "a", "id-1");
  send(*queue, "a2", "a", "id-2");
  auto received = receive(*queue, 1);
  ASSERT_EQ(bodies(received), std::vector<std::string>{"a1"});
  queue = restart("orders.fifo");
  EXPECT_TRUE(receive(*queue, 10).empty());  // "a1" is still in flight
  EXPECT_EQ(send(*queue, "again", "a", "id-1").message_id, first.message_id);
  ASSERT_TRUE(queue->delete_message(received[0].receipt_handle).is_ok());
  EXPECT_EQ(bodies(receive(*queue, 10)), std::vector<std::string>{"a2"});
}

INSTANTIATE_TEST_SUITE_P(CleanAndCrash, QueueRestartTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Crash" : "Clean"; });

}  // namespace
}  // namespace sluice::queues
