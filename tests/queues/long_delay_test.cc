// SluiceMaxDelaySeconds: DelaySeconds beyond SQS's 15 minutes, up to the retention period,
// delivered at the due time.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <thread>

#include "queue_test_util.h"
#include "queues/queue.h"

namespace sluice::queues {
namespace {

using sqs::protocol::ErrorCode;

class LongDelayTest : public QueueTestBase {
 protected:
  static Result<SendResult> send_delayed(Queue& queue, const std::string& body, int64_t delay_s) {
    SendRequest request;
    request.body = body;
    request.delay_seconds = delay_s;
    return queue.send(request);
  }
};

TEST_F(LongDelayTest, TheAttributeRaisesTheLimitUpToTheRetentionPeriod) {
  auto queue = create("later");
  EXPECT_TRUE(send_delayed(*queue, "a", 900).is_ok());
  EXPECT_EQ(code(send_delayed(*queue, "b", 901).status()), ErrorCode::kInvalidParameterValue);

  ASSERT_TRUE(
      manager_->set_queue_attributes("later", {{"SluiceMaxDelaySeconds", "86400"}}).is_ok());
  EXPECT_TRUE(send_delayed(*queue, "c", 86400).is_ok());
  EXPECT_EQ(code(send_delayed(*queue, "d", 86401).status()), ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(queue->get_attributes({"SluiceMaxDelaySeconds"}).at("SluiceMaxDelaySeconds"), "86400");

  // Never beyond the retention period: the message would expire before it is due.
  ASSERT_TRUE(
      manager_->set_queue_attributes("later", {{"MessageRetentionPeriod", "3600"}}).is_ok());
  EXPECT_TRUE(send_delayed(*queue, "e", 3600).is_ok());
  EXPECT_EQ(code(send_delayed(*queue, "f", 3601).status()), ErrorCode::kInvalidParameterValue);

  // The attribute's own range: 900 (SQS's limit) to 14 days.
  EXPECT_EQ(code(manager_->set_queue_attributes("later", {{"SluiceMaxDelaySeconds", "899"}})),
            ErrorCode::kInvalidAttributeValue);
  EXPECT_EQ(code(manager_->set_queue_attributes("later", {{"SluiceMaxDelaySeconds", "1209601"}})),
            ErrorCode::kInvalidAttributeValue);
}

TEST_F(LongDelayTest, ADueMessageIsDeliveredAtItsDueTimeAndNotBefore) {
  auto queue = create("later", {{"SluiceMaxDelaySeconds", "172800"}});
  const int64_t due = now_ms_.load() + 2 * 86400 * 1000;
  ASSERT_TRUE(send_delayed(*queue, "in two days", 2 * 86400).is_ok());
  send(*queue, "now");
  auto now = receive(*queue, 10);
  ASSERT_EQ(bodies(now), std::vector<std::string>{"now"});
  ASSERT_TRUE(queue->delete_message(now[0].receipt_handle).is_ok());
  EXPECT_EQ(queue->counts().delayed, 1);
  // A long poll sleeps until next_visible_at(): it must name the due time.
  EXPECT_EQ(queue->next_visible_at(), due);
  now_ms_ = due - 1;
  EXPECT_TRUE(receive(*queue, 10).empty());
  now_ms_ = due;
  EXPECT_EQ(bodies(receive(*queue, 10)), std::vector<std::string>{"in two days"});
}

TEST_F(LongDelayTest, TheDueTimeSurvivesRestarts) {
  auto queue = create("later", {{"SluiceMaxDelaySeconds", "86400"}});
  const int64_t due = now_ms_.load() + 50000 * 1000;
  ASSERT_TRUE(send_delayed(*queue, "later", 50000).is_ok());
  crash_and_reopen();
  queue = *manager_->get_queue("later");
  EXPECT_EQ(queue->next_visible_at(), due);
  close_and_reopen();  // this time through a checkpoint
  queue = *manager_->get_queue("later");
  EXPECT_EQ(queue->next_visible_at(), due);
  now_ms_ = due - 1;
  EXPECT_TRUE(receive(*queue, 10).empty());
  now_ms_ = due;
  EXPECT_EQ(bodies(receive(*queue, 10)), std::vector<std::string>{"later"});
}

// With the real clock: a waiter that does what the SQS long poll does (sleep until
// next_visible_at() or a wake-up, then receive) gets the message within 100 ms of its due
// time.
class LongDelayRealClockTest : public LongDelayTest {
 protected:
  QueueManagerOptions manager_options() override {
    QueueManagerOptions options = LongDelayTest::manager_options();
    options.clock = storage::system_clock_ms;
    return options;
  }
};

TEST_F(LongDelayRealClockTest, ALongPollWakesAtTheDueTime) {
  auto queue = create("later", {{"SluiceMaxDelaySeconds", "3600"}});
  const int64_t sent_at = storage::system_clock_ms();
  ASSERT_TRUE(send_delayed(*queue, "soon", 1).is_ok());
  const int64_t due = sent_at + 1000;
  std::mutex mu;
  std::condition_variable cv;
  bool woken = false;
  std::vector<ReceivedMessage> received;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (received.empty() && std::chrono::steady_clock::now() < give_up) {
    const uint64_t id = queue->subscribe([&] {
      std::lock_guard lock(mu);
      woken = true;
      cv.notify_all();
    });
    received = receive(*queue, 10);
    if (received.empty()) {
      const auto next = queue->next_visible_at();
      ASSERT_TRUE(next.has_value());
      const int64_t wait_ms = std::max<int64_t>(5, *next - storage::system_clock_ms());
      std::unique_lock lock(mu);
      cv.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return woken; });
      woken = false;
    }
    queue->unsubscribe(id);
  }
  const int64_t received_at = storage::system_clock_ms();
  ASSERT_EQ(bodies(received), std::vector<std::string>{"soon"});
  // The due time is in whole seconds of the send's clock reading.
  EXPECT_GE(received_at, due);
  EXPECT_LE(received_at - due, 100);
}

}  // namespace
}  // namespace sluice::queues
