#include "queues/move_task.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "queue_test_util.h"

namespace sluice::queues {
namespace {

using sqs::protocol::ErrorCode;

constexpr std::string_view kArnPrefix = "arn:aws:sqs:us-east-1:000000000000:";

std::string arn(std::string_view name) {
  return std::string(kArnPrefix) + std::string(name);
}

class MoveTaskTest : public QueueTestBase {
 protected:
  void SetUp() override {
    QueueTestBase::SetUp();
    dlq_ = create("jobs-dlq");
    jobs_ = create("jobs", {{"RedrivePolicy", R"({"deadLetterTargetArn":")" + arn("jobs-dlq") +
                                                  R"(","maxReceiveCount":1})"}});
    tasks_ = std::make_unique<MoveTasks>(*manager_, [this] { return now_ms_.load(); });
  }
  void TearDown() override {
    tasks_.reset();
    QueueTestBase::TearDown();
  }

  // Sends `bodies` to jobs and receives each twice with no visibility, so that the second
  // receive moves it to jobs-dlq. Returns the message ids.
  std::vector<std::string> dead_letter(const std::vector<std::string>& messages) {
    std::vector<std::string> ids;
    for (const std::string& body : messages) ids.push_back(send(*jobs_, body).message_id);
    EXPECT_EQ(receive(*jobs_, 10, 0).size(), messages.size());
    EXPECT_TRUE(receive(*jobs_, 10, 0).empty());
    EXPECT_EQ(dlq_->counts().visible, static_cast<int64_t>(messages.size()));
    return ids;
  }

  // The newest task of the source once it is no longer RUNNING (real time, generous).
  MoveTaskInfo wait_finished(const std::string& source_arn) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      auto listed = tasks_->list(source_arn, 1);
      EXPECT_TRUE(listed.is_ok());
      if (listed.is_ok() && !listed->empty() && listed->front().status != MoveTaskStatus::kRunning)
        return listed->front();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "the move task did not finish";
    return {};
  }

  std::shared_ptr<Queue> dlq_;
  std::shared_ptr<Queue> jobs_;
  std::unique_ptr<MoveTasks> tasks_;
};

TEST_F(MoveTaskTest, ReturnsDeadLetteredMessagesToTheirSourceQueue) {
  const auto ids = dead_letter({"a", "b", "c"});
  auto handle = tasks_->start({.source_arn = arn("jobs-dlq")});
  ASSERT_TRUE(handle.is_ok()) << handle.status().to_string();
  const MoveTaskInfo done = wait_finished(arn("jobs-dlq"));
  EXPECT_EQ(done.status, MoveTaskStatus::kCompleted);
  EXPECT_EQ(done.moved, 3);
  EXPECT_EQ(done.to_move, 3);
  EXPECT_EQ(done.handle, *handle);
  EXPECT_EQ(done.started_ms, now_ms_.load());
  EXPECT_EQ(dlq_->counts().visible + dlq_->counts().not_visible, 0);

  auto back = receive(*jobs_, 10, 30);
  ASSERT_EQ(back.size(), 3u);
  std::vector<std::string> back_ids;
  for (const auto& message : back) {
    back_ids.push_back(message.message_id);
    EXPECT_FALSE(message.system_attributes.contains("DeadLetterQueueSourceArn"));
    // A fresh start in the source: received once, now.
    EXPECT_EQ(message.system_attributes.at("ApproximateReceiveCount"), "1");
  }
  std::sort(back_ids.begin(), back_ids.end());
  auto sorted_ids = ids;
  std::sort(sorted_ids.begin(), sorted_ids.end());
  EXPECT_EQ(back_ids, sorted_ids);
}

TEST_F(MoveTaskTest, MovesToAGivenDestinationKeepingBodyAndAttributes) {
  auto other = create("other");
  SendRequest request;
  request.body = "with attributes";
  request.attributes["colour"] = {"String", std::string("blue"), std::nullopt};
  ASSERT_TRUE(jobs_->send(request).is_ok());
  receive(*jobs_, 10, 0);
  receive(*jobs_, 10, 0);
  ASSERT_EQ(dlq_->counts().visible, 1);
  ASSERT_TRUE(
      tasks_->start({.source_arn = arn("jobs-dlq"), .destination_arn = arn("other")}).is_ok());
  const MoveTaskInfo done = wait_finished(arn("jobs-dlq"));
  EXPECT_EQ(done.status, MoveTaskStatus::kCompleted);
  EXPECT_EQ(done.destination_arn, arn("other"));
  auto moved = receive(*other);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].body, "with attributes");
  EXPECT_EQ(moved[0].attributes, request.attributes);
  EXPECT_TRUE(receive(*jobs_).empty());
}

TEST_F(MoveTaskTest, AnEmptyDeadLetterQueueCompletesAtOnce) {
  ASSERT_TRUE(tasks_->start({.source_arn = arn("jobs-dlq")}).is_ok());
  const MoveTaskInfo done = wait_finished(arn("jobs-dlq"));
  EXPECT_EQ(done.status, MoveTaskStatus::kCompleted);
  EXPECT_EQ(done.moved, 0);
  EXPECT_EQ(done.to_move, 0);
}

TEST_F(MoveTaskTest, StartErrors) {
  EXPECT_EQ(code(tasks_->start({.source_arn = arn("nope")}).status()),
            ErrorCode::kResourceNotFoundException);
  // jobs is not anyone's dead-letter queue.
  EXPECT_EQ(code(tasks_->start({.source_arn = arn("jobs")}).status()),
            ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(
      code(tasks_->start({.source_arn = arn("jobs-dlq"), .destination_arn = arn("nope")}).status()),
      ErrorCode::kResourceNotFoundException);
  EXPECT_EQ(code(tasks_->start({.source_arn = arn("jobs-dlq"), .destination_arn = arn("jobs-dlq")})
                     .status()),
            ErrorCode::kInvalidParameterValue);
  for (int64_t rate : {0, 501}) {
    EXPECT_EQ(code(tasks_->start({.source_arn = arn("jobs-dlq"), .max_per_second = rate}).status()),
              ErrorCode::kInvalidParameterValue);
  }
  EXPECT_EQ(code(tasks_->list(arn("nope"), 1).status()), ErrorCode::kResourceNotFoundException);
  EXPECT_EQ(code(tasks_->list(arn("jobs-dlq"), 11).status()), ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(code(tasks_->list(arn("jobs-dlq"), 0).status()), ErrorCode::kInvalidParameterValue);
  auto none = tasks_->list(arn("jobs-dlq"), 10);
  ASSERT_TRUE(none.is_ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(MoveTaskTest, RateLimitOneTaskPerSourceAndCancel) {
  dead_letter({"a", "b", "c"});
  // 1 message a second on a clock that stands still: nothing moves until it advances.
  auto handle = tasks_->start({.source_arn = arn("jobs-dlq"), .max_per_second = 1});
  ASSERT_TRUE(handle.is_ok());
  EXPECT_EQ(code(tasks_->start({.source_arn = arn("jobs-dlq")}).status()),
            ErrorCode::kInvalidParameterValue);
  advance_s(1);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int64_t moved = 0;
  while (moved == 0 && std::chrono::steady_clock::now() < deadline) {
    moved = tasks_->list(arn("jobs-dlq"), 1)->front().moved;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(moved, 1);
  EXPECT_EQ(jobs_->counts().visible, 1);

  auto cancelled = tasks_->cancel(*handle);
  ASSERT_TRUE(cancelled.is_ok());
  EXPECT_EQ(*cancelled, 1);
  EXPECT_EQ(code(tasks_->cancel(*handle).status()), ErrorCode::kResourceNotFoundException);
  EXPECT_EQ(code(tasks_->cancel("no-such-handle").status()), ErrorCode::kResourceNotFoundException);
  auto listed = tasks_->list(arn("jobs-dlq"), 10);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().status, MoveTaskStatus::kCancelled);
  EXPECT_EQ(listed->front().max_per_second, 1);

  // A new task may start once none runs; the list is newest first.
  ASSERT_TRUE(tasks_->start({.source_arn = arn("jobs-dlq")}).is_ok());
  const MoveTaskInfo done = wait_finished(arn("jobs-dlq"));
  EXPECT_EQ(done.status, MoveTaskStatus::kCompleted);
  EXPECT_EQ(done.to_move, 2);
  EXPECT_EQ(done.moved, 2);
  listed = tasks_->list(arn("jobs-dlq"), 10);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ(listed->at(1).status, MoveTaskStatus::kCancelled);
  EXPECT_EQ(jobs_->counts().visible, 3);
}

TEST_F(MoveTaskTest, FailsWhenTheOriginalQueueIsGoneAndKeepsTheMessage) {
  dead_letter({"a"});
  ASSERT_TRUE(manager_->delete_queue("jobs").is_ok());
  // The DLQ has no source queue any more, so a new redrive source is needed to start.
  create("jobs2", {{"RedrivePolicy", R"({"deadLetterTargetArn":")" + arn("jobs-dlq") +
                                         R"(","maxReceiveCount":1})"}});
  ASSERT_TRUE(tasks_->start({.source_arn = arn("jobs-dlq")}).is_ok());
  const MoveTaskInfo done = wait_finished(arn("jobs-dlq"));
  EXPECT_EQ(done.status, MoveTaskStatus::kFailed);
  EXPECT_NE(done.failure_reason.find("does not exist"), std::string::npos) << done.failure_reason;
  EXPECT_EQ(dlq_->counts().visible, 1);  // made visible again, not lost
}

}  // namespace
}  // namespace sluice::queues
