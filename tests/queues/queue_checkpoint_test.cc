// Checkpoints of the consumption state: a restart from a checkpoint plus the state log's
// tail (clean and crash), a damaged checkpoint, checkpoints racing concurrent operations,
// and the state log staying small under a long churn.
#include "queues/queue_checkpoint.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <thread>

#include "queue_test_util.h"
#include "queues/queue.h"

namespace sluice::queues {
namespace {

class QueueCheckpointTest : public QueueTestBase, public ::testing::WithParamInterface<bool> {
 protected:
  QueueManagerOptions manager_options() override {
    QueueManagerOptions options = QueueTestBase::manager_options();
    options.log_config.segment_bytes = 64 << 10;
    options.queue_storage.checkpoint_min_state_bytes = 16 << 10;
    return options;
  }

  std::shared_ptr<Queue> restart(const std::string& name) {
    return restart_queue(name, GetParam());
  }
};

TEST_P(QueueCheckpointTest, RestartLoadsTheCheckpointAndReplaysOnlyTheTail) {
  auto queue = create("jobs");
  send(*queue, "deleted-before");
  send(*queue, "in-flight-before");
  send(*queue, "waiting");
  auto first = receive(*queue, 1);
  ASSERT_TRUE(queue->delete_message(first[0].receipt_handle).is_ok());
  auto second = receive(*queue, 1, 100);
  ASSERT_EQ(bodies(second), std::vector<std::string>{"in-flight-before"});
  ASSERT_TRUE(queue->checkpoint().is_ok());
  EXPECT_TRUE(std::filesystem::exists(queue->dir() / kCheckpointFile));
  // Everything up to here is in the checkpoint: the state log kept none of it.
  EXPECT_EQ(queue->state_log_bytes(), 0u);

  // The tail: after the checkpoint.
  send(*queue, "sent-after");
  send(*queue, "deleted-after");
  auto third = receive(*queue, 1, 0);  // "waiting", visible again at once
  ASSERT_EQ(bodies(third), std::vector<std::string>{"waiting"});
  auto fourth = receive(*queue, 2, 300);
  ASSERT_EQ(bodies(fourth), (std::vector<std::string>{"waiting", "sent-after"}));
  auto fifth = receive(*queue, 1, 300);
  ASSERT_EQ(bodies(fifth), std::vector<std::string>{"deleted-after"});
  ASSERT_TRUE(queue->delete_message(fifth[0].receipt_handle).is_ok());
  EXPECT_GT(queue->state_log_bytes(), 0u);
  advance_s(40);

  auto before = queue->counts();
  queue = restart("jobs");
  ASSERT_NE(queue, nullptr);
  auto after = queue->counts();
  EXPECT_EQ(before.not_visible, after.not_visible);
  EXPECT_EQ(before.visible, after.visible);
  EXPECT_TRUE(receive(*queue, 10).empty());  // all in flight
  advance_s(60);                             // 100 s after its receive
  auto again = receive(*queue, 10, 1000);
  ASSERT_EQ(bodies(again), std::vector<std::string>{"in-flight-before"});
  EXPECT_EQ(again[0].system_attributes.at("ApproximateReceiveCount"), "2");
  advance_s(200);  // 300 s after theirs
  auto rest = receive(*queue, 10, 1000);
  ASSERT_EQ(bodies(rest), (std::vector<std::string>{"waiting", "sent-after"}));
  EXPECT_EQ(rest[0].system_attributes.at("ApproximateReceiveCount"), "3");
  // Handles from before the restart still work (same secret, same nonces).
  EXPECT_TRUE(queue->delete_message(second[0].receipt_handle).is_ok());
  EXPECT_TRUE(queue->change_visibility(rest[1].receipt_handle, 0).is_ok());
  EXPECT_EQ(bodies(receive(*queue, 10)), std::vector<std::string>{"sent-after"});
}

TEST_P(QueueCheckpointTest, FifoGroupsDedupAndPurgeSurviveACheckpoint) {
  auto queue = create("orders.fifo", {{"FifoQueue", "true"}});
  auto a1 = send(*queue, "a1", "a", "id-a1");
  send(*queue, "a2", "a", "id-a2");
  send(*queue, "b1", "b", "id-b1");
  auto received = receive(*queue, 1);
  ASSERT_EQ(bodies(received), std::vector<std::string>{"a1"});
  ASSERT_TRUE(queue->checkpoint().is_ok());
  queue = restart("orders.fifo");
  ASSERT_NE(queue, nullptr);
  // Group "a" is still locked by a1 in flight; the dedup id still answers.
  EXPECT_EQ(send(*queue, "again", "a", "id-a1").message_id, a1.message_id);
  auto b = receive(*queue, 10);
  ASSERT_EQ(bodies(b), std::vector<std::string>{"b1"});
  ASSERT_TRUE(queue->delete_message(received[0].receipt_handle).is_ok());
  EXPECT_EQ(bodies(receive(*queue, 10)), std::vector<std::string>{"a2"});

  ASSERT_TRUE(queue->purge().is_ok());
  ASSERT_TRUE(queue->checkpoint().is_ok());
  send(*queue, "c1", "c", "id-c1");
  queue = restart("orders.fifo");
  ASSERT_NE(queue, nullptr);
  advance_s(31);
  EXPECT_EQ(bodies(receive(*queue, 10)), std::vector<std::string>{"c1"});
}

TEST_P(QueueCheckpointTest, LongChurnKeepsTheStateLogAndTheMessagesLogSmall) {
  auto queue = create("churn");
  std::vector<SendRequest> batch(10);
  for (int i = 0; i < 10; ++i) batch[i].body = std::string(100, static_cast<char>('a' + i));
  uint64_t largest_state = 0;
  size_t most_segments = 0;
  for (int round = 0; round < 300; ++round) {
    ASSERT_TRUE(queue->send_batch(batch).is_ok());
    auto received = receive(*queue, 10);
    ASSERT_EQ(received.size(), 10u);
    for (const auto& message : received) {
      ASSERT_TRUE(queue->delete_message(message.receipt_handle).is_ok());
    }
    largest_state = std::max(largest_state, queue->state_log_bytes());
    most_segments = std::max(most_segments, segment_files(queue->dir() / "messages"));
  }
  // About 1.5 KiB of state records per round, 450 KiB over the run. The bound: the
  // checkpoint threshold (16 KiB) plus one state segment (64 KiB), with room to spare.
  EXPECT_LT(largest_state, 160u << 10);
  EXPECT_LE(segment_files(queue->dir() / "state"), 3u);
  // 500 KiB of messages in 64 KiB segments: released as they are deleted.
  EXPECT_LE(most_segments, 5u);

  send(*queue, "survivor");
  queue = restart("churn");
  ASSERT_NE(queue, nullptr);
  EXPECT_EQ(bodies(receive(*queue, 10)), std::vector<std::string>{"survivor"});
}

TEST_P(QueueCheckpointTest, ChangesAcknowledgedDuringCheckpointsSurvive) {
  auto queue = create("busy");
  constexpr int kThreads = 3;
  constexpr int kRounds = 60;
  std::mutex mu;
  std::set<std::string> sent;     // acknowledged sends
  std::set<std::string> deleted;  // acknowledged deletes
  std::atomic<bool> stop{false};
  std::thread checkpointer([&] {
    while (!stop) EXPECT_TRUE(queue->checkpoint().is_ok());
  });
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        SendRequest request;
        request.body = std::to_string(t) + "-" + std::to_string(i);
        ASSERT_TRUE(queue->send(request).is_ok());
        {
          std::lock_guard lock(mu);
          sent.insert(request.body);
        }
        auto received = queue->receive(ReceiveRequest{2, 3600});
        ASSERT_TRUE(received.is_ok());
        for (const auto& message : *received) {
          // Delete every other one; the rest stay in flight for an hour.
          if (message.body.back() % 2 != 0) continue;
          ASSERT_TRUE(queue->delete_message(message.receipt_handle).is_ok());
          std::lock_guard lock(mu);
          deleted.insert(message.body);
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  stop = true;
  checkpointer.join();

  queue = restart("busy");
  ASSERT_NE(queue, nullptr);
  advance_s(3600);  // everything received before is visible again
  std::set<std::string> found;
  while (true) {
    auto received = receive(*queue, 10);
    if (received.empty()) break;
    for (const auto& message : received) found.insert(message.body);
  }
  for (const std::string& body : sent) {
    EXPECT_EQ(found.count(body), deleted.count(body) == 0 ? 1u : 0u) << body;
  }
  EXPECT_EQ(found.size(), sent.size() - deleted.size());
}

INSTANTIATE_TEST_SUITE_P(CleanAndCrash, QueueCheckpointTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Crash" : "Clean"; });

class QueueCheckpointFileTest : public QueueTestBase {};

TEST_F(QueueCheckpointFileTest, ADamagedCheckpointIsCorruptionNotAGuess) {
  auto queue = create("jobs");
  send(*queue, "a");
  const auto file = queue->dir() / kCheckpointFile;
  ASSERT_TRUE(manager_->close().is_ok());
  manager_.reset();
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_GT(bytes.size(), 40u);
  bytes[30] ^= 1;
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  auto reopened = QueueManager::open(dir_, manager_options());
  ASSERT_FALSE(reopened.is_ok());
  EXPECT_EQ(reopened.status().code(), StatusCode::kCorruption) << reopened.status().to_string();
}

TEST(QueueCheckpointCodecTest, EntriesRoundTripAndGapsAreDeleted) {
  CheckpointHeader header{100, 110, 42, 90};
  CheckpointWriter writer(header, {{3, "group"}}, {{"key", "id", 101, 5000}});
  MessageEntry live;
  live.flags = MessageEntry::kPresent;
  live.visible_at_ms = 1'700'000'000'123;
  live.sent_s = 1'700'000'000;
  live.group = 3;
  MessageEntry received = live;
  received.receive_count = 7;
  received.receipt_nonce = 0xFFFFFFFF;
  received.first_receive_ms = 1'700'000'000'999;
  received.visible_at_ms = 1'700'000'100'000;
  received.group = kNoGroup;
  MessageEntry absent;
  writer.add(100, live);
  writer.add(104, received);
  writer.add(109, absent);
  auto reader = CheckpointReader::parse(writer.finish());
  ASSERT_TRUE(reader.is_ok()) << reader.status().to_string();
  EXPECT_EQ(reader->header().index_base, 100);
  EXPECT_EQ(reader->header().index_end, 110);
  EXPECT_EQ(reader->header().state_end, 42);
  EXPECT_EQ(reader->header().purged_below, 90);
  ASSERT_EQ(reader->groups().size(), 1u);
  EXPECT_EQ(reader->groups()[0].name, "group");
  ASSERT_EQ(reader->dedups().size(), 1u);
  EXPECT_EQ(reader->dedups()[0].offset, 101);
  std::vector<std::pair<int64_t, MessageEntry>> entries;
  ASSERT_TRUE(reader
                  ->for_each_entry([&](int64_t offset, const MessageEntry& entry) {
                    entries.emplace_back(offset, entry);
                  })
                  .is_ok());
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].first, 100);
  EXPECT_EQ(entries[0].second.visible_at_ms, live.visible_at_ms);
  EXPECT_EQ(entries[0].second.group, 3u);
  EXPECT_EQ(entries[1].first, 104);
  EXPECT_EQ(entries[1].second.receive_count, 7);
  EXPECT_EQ(entries[1].second.receipt_nonce, 0xFFFFFFFFu);
  EXPECT_EQ(entries[1].second.first_receive_ms, received.first_receive_ms);
  EXPECT_EQ(entries[1].second.visible_at_ms, received.visible_at_ms);
  EXPECT_EQ(entries[1].second.sent_s, received.sent_s);
  EXPECT_EQ(entries[1].second.group, kNoGroup);
  EXPECT_EQ(entries[2].first, 109);
  EXPECT_EQ(entries[2].second.flags, 0);

  std::string truncated = CheckpointWriter(header, {}, {}).finish();
  truncated.pop_back();
  EXPECT_EQ(CheckpointReader::parse(truncated).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace sluice::queues
