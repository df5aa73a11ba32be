// Queues under power loss on the fault-injecting file system, cut before every operation of
// a workload: an acknowledged send is received after recovery unless its delete was
// acknowledged, an acknowledged delete never comes back, an acknowledged create (queue.json)
// or queue deletion holds, checkpoints included.
#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "common/fault_injecting_file_system.h"
#include "queues/queue_manager.h"

namespace sluice::queues {
namespace {

using sluice::testing::FaultInjectingFileSystem;

const std::filesystem::path kDir = "/data/queues";

struct Outcome {
  bool created = false;
  std::set<std::string> attempted;  // bodies of every send tried
  std::set<std::string> sent;       // acknowledged sends
  std::set<std::string> deleted;    // acknowledged deletes
  bool doomed_deleted = false;      // the second queue's deletion was acknowledged
};

QueueManagerOptions options(FaultInjectingFileSystem& fs, std::atomic<int64_t>& now) {
  QueueManagerOptions options;
  options.clock = [&now] { return now.load(); };
  options.log_config.segment_bytes = 4096;
  options.maintenance_interval_ms = 0;
  options.fs = &fs;
  return options;
}

// Stops at the first failure: after a power cut nothing succeeds.
void run_workload(FaultInjectingFileSystem& fs, std::atomic<int64_t>& now, Outcome* out) {
  auto manager = QueueManager::open(kDir, options(fs, now));
  if (!manager.is_ok()) return;
  auto doomed = (*manager)->create_queue("doomed", {}, {});
  if (!doomed.is_ok()) return;
  auto created = (*manager)->create_queue("orders", {}, {});
  if (!created.is_ok()) return;
  out->created = true;
  Queue& queue = **created;
  for (int i = 0; i < 12; ++i) {
    SendRequest request;
    request.body = "message-" + std::to_string(i);
    out->attempted.insert(request.body);
    if (!queue.send(request).is_ok()) return;
    out->sent.insert(request.body);
    if (i == 5 && !(*manager)->delete_queue("doomed").is_ok()) return;
    if (i == 5) out->doomed_deleted = true;
    if (i % 3 != 2) continue;
    ReceiveRequest receive;
    receive.max_messages = 2;
    auto received = queue.receive(receive);
    if (!received.is_ok()) return;
    for (const auto& message : *received) {
      if (!queue.delete_message(message.receipt_handle).is_ok()) return;
      out->deleted.insert(message.body);
    }
    if (i == 8 && !queue.checkpoint().is_ok()) return;
  }
}

void expect_recovered(FaultInjectingFileSystem& fs, std::atomic<int64_t>& now,
                      const Outcome& outcome) {
  now += 3600 * 1000;  // every visibility timeout has run out
  auto manager = QueueManager::open(kDir, options(fs, now));
  ASSERT_TRUE(manager.is_ok()) << manager.status().to_string();
  if (outcome.doomed_deleted) {
    EXPECT_FALSE((*manager)->get_queue("doomed").is_ok());
  }
  auto queue = (*manager)->get_queue("orders");
  if (!outcome.created) return;
  ASSERT_TRUE(queue.is_ok()) << "an acknowledged CreateQueue was lost";
  std::set<std::string> received;
  while (true) {
    ReceiveRequest request;
    request.max_messages = 10;
    auto batch = (*queue)->receive(request);
    ASSERT_TRUE(batch.is_ok()) << batch.status().to_string();
    if (batch->empty()) break;
    for (const auto& message : *batch) {
      EXPECT_TRUE(outcome.attempted.contains(message.body)) << message.body;
      EXPECT_FALSE(outcome.deleted.contains(message.body)) << "deleted came back: " << message.body;
      EXPECT_TRUE(received.insert(message.body).second) << "twice: " << message.body;
    }
  }
  for (const auto& body : outcome.sent) {
    if (!outcome.deleted.contains(body)) {
      EXPECT_TRUE(received.contains(body)) << "lost " << body;
    }
  }
}

TEST(QueuePowerLossTest, AcknowledgedSendsDeletesAndQueuesSurviveACutAtEveryOperation) {
  uint64_t total = 0;
  {
    FaultInjectingFileSystem fs;
    std::atomic<int64_t> now{1'700'000'000'000};
    Outcome outcome;
    run_workload(fs, now, &outcome);
    ASSERT_EQ(outcome.sent.size(), 12u);
    ASSERT_EQ(outcome.deleted.size(), 8u);
    total = fs.operations();
  }
  ASSERT_GT(total, 100u);
  for (uint64_t cut = 1; cut <= total + 1; ++cut) {
    SCOPED_TRACE("power lost before operation " + std::to_string(cut));
    FaultInjectingFileSystem fs;
    std::atomic<int64_t> now{1'700'000'000'000};
    fs.lose_power_before_operation(cut);
    Outcome outcome;
    run_workload(fs, now, &outcome);
    fs.power_on();
    expect_recovered(fs, now, outcome);
    if (::testing::Test::HasFailure()) break;
  }
}

TEST(QueuePowerLossTest, AFullDiskFailsSendsWithAStorageErrorAndResumes) {
  FaultInjectingFileSystem fs;
  std::atomic<int64_t> now{1'700'000'000'000};
  auto manager = QueueManager::open(kDir, options(fs, now));
  ASSERT_TRUE(manager.is_ok());
  auto queue = (*manager)->create_queue("orders", {}, {});
  ASSERT_TRUE(queue.is_ok());
  fs.set_free_bytes(0);
  SendRequest request;
  request.body = "while full";
  auto full = (*queue)->send(request);
  ASSERT_FALSE(full.is_ok());
  EXPECT_EQ(full.status().code(), StatusCode::kStorageFull) << full.status().to_string();
  fs.set_unlimited_space();
  request.body = "after";
  ASSERT_TRUE((*queue)->send(request).is_ok());
  ReceiveRequest receive;
  receive.max_messages = 10;
  auto received = (*queue)->receive(receive);
  ASSERT_TRUE(received.is_ok());
  ASSERT_EQ(received->size(), 1u);
  EXPECT_EQ((*received)[0].body, "after");
}

}  // namespace
}  // namespace sluice::queues
