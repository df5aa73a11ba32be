// Space reclaim: once every message of a messages-log segment is deleted or expired, the
// segment file goes (the log is released from the front, see Queue::reclaim_locked).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "queue_test_util.h"
#include "queues/queue.h"

namespace sluice::queues {
namespace {

class QueueSpaceTest : public QueueTestBase {
 protected:
  QueueManagerOptions manager_options() override {
    QueueManagerOptions options = QueueTestBase::manager_options();
    options.log_config.segment_bytes = 64 << 10;
    options.maintenance_interval_ms = maintenance_interval_ms_;
    return options;
  }

  // 2400 messages of 100 bytes, about 400 KiB of log: six segments of 64 KiB.
  static constexpr int kMessages = 2400;
  static void fill(Queue& queue) {
    std::vector<SendRequest> batch(10);
    for (auto& request : batch) request.body = std::string(100, 'x');
    for (int i = 0; i < kMessages / 10; ++i) ASSERT_TRUE(queue.send_batch(batch).is_ok());
  }

  size_t message_segments(const Queue& queue) { return segment_files(queue.dir() / "messages"); }

  int64_t maintenance_interval_ms_ = 0;
};

TEST_F(QueueSpaceTest, SegmentsOfDeletedMessagesAreRemoved) {
  auto queue = create("jobs");
  fill(*queue);
  const size_t full = message_segments(*queue);
  ASSERT_GE(full, 4u);
  std::vector<ReceivedMessage> received;
  for (int i = 0; i < kMessages / 10; ++i) {
    auto some = receive(*queue, 10, 3600);
    ASSERT_EQ(some.size(), 10u);
    received.insert(received.end(), some.begin(), some.end());
  }
  // The oldest 2100 go: the segments wholly below them with them (releases come in steps of
  // 1024 messages, each one fsync of the log start).
  for (size_t i = 0; i < 2100; ++i) {
    ASSERT_TRUE(queue->delete_message(received[i].receipt_handle).is_ok());
  }
  EXPECT_EQ(queue->messages_log_start(), 2048);
  const size_t partly = message_segments(*queue);
  EXPECT_LT(partly, full);
  EXPECT_LE(partly, 2u);
  for (size_t i = 2100; i < received.size(); ++i) {
    ASSERT_TRUE(queue->delete_message(received[i].receipt_handle).is_ok());
  }
  // Everything deleted: only the (new, empty) active segment is left.
  EXPECT_EQ(queue->messages_log_start(), kMessages);
  EXPECT_EQ(message_segments(*queue), 1u);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(queue->dir() / "messages")) {
    if (entry.path().extension() == ".log") {
      EXPECT_EQ(entry.file_size(ec), 0u);
    }
  }
  // And it stays so across a restart.
  close_and_reopen();
  queue = *manager_->get_queue("jobs");
  EXPECT_EQ(message_segments(*queue), 1u);
  EXPECT_TRUE(receive(*queue, 10).empty());
}

TEST_F(QueueSpaceTest, SegmentsOfExpiredMessagesAreRemovedByMaintenance) {
  auto queue = create("jobs", {{"MessageRetentionPeriod", "60"}});
  fill(*queue);
  ASSERT_GE(message_segments(*queue), 4u);
  advance_s(59);
  ASSERT_TRUE(manager_->maintain().is_ok());
  EXPECT_GE(message_segments(*queue), 4u);  // not expired yet
  advance_s(1);
  ASSERT_TRUE(manager_->maintain().is_ok());
  EXPECT_EQ(message_segments(*queue), 1u);
  EXPECT_EQ(queue->messages_log_start(), kMessages);
}

TEST_F(QueueSpaceTest, TheMaintenanceThreadReclaimsWithoutAnyRequest) {
  maintenance_interval_ms_ = 20;
  manager_.reset();
  manager_ = open_manager(dir_);  // with the thread this time
  auto queue = create("idle", {{"MessageRetentionPeriod", "60"}});
  fill(*queue);
  ASSERT_GE(message_segments(*queue), 4u);
  advance_s(60);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (message_segments(*queue) > 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(message_segments(*queue), 1u);
}

TEST_F(QueueSpaceTest, AnOldLiveMessagePinsTheSegmentsAfterIt) {
  // The documented limit of releasing from the front: one undeleted message at the head
  // keeps the segments after it, until it is deleted or expires.
  auto queue = create("jobs");
  fill(*queue);
  std::vector<ReceivedMessage> received;
  for (int i = 0; i < kMessages / 10; ++i) {
    auto some = receive(*queue, 10, 3600);
    received.insert(received.end(), some.begin(), some.end());
  }
  for (size_t i = 1; i < received.size(); ++i) {
    ASSERT_TRUE(queue->delete_message(received[i].receipt_handle).is_ok());
  }
  EXPECT_EQ(queue->messages_log_start(), 0);
  ASSERT_TRUE(queue->delete_message(received[0].receipt_handle).is_ok());
  EXPECT_EQ(message_segments(*queue), 1u);
}

}  // namespace
}  // namespace sluice::queues
