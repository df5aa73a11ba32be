// Asynchronous appends: durability tickets, group commit through the LogSyncer, and the high
// watermark that readers are held to.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "common/fault_injecting_file_system.h"
#include "storage/log_syncer.h"
#include "storage/partition_log.h"
#include "storage/test_util.h"

namespace sluice::storage {
namespace {

using testing::make_batch;
using testing::TempDir;

Result<PendingAppend> append_async_copy(PartitionLog& log, const std::string& batch,
                                        int32_t epoch = 0) {
  std::string copy = batch;
  return log.append_async(std::span<char>(copy.data(), copy.size()), epoch);
}

// A log whose fdatasyncs run only when the test says so.
struct ManualLog {
  explicit ManualLog(const TempDir& dir, LogConfig config = {}) {
    auto opened =
        PartitionLog::open(dir.path() / "p", config, system_clock_ms, FileSystem::posix(), &syncer);
    EXPECT_TRUE(opened.is_ok()) << opened.status().to_string();
    log = std::move(*opened);
  }
  ~ManualLog() {
    // close() flushes through the syncer: run its jobs until the log is gone.
    std::atomic<bool> closed{false};
    std::thread runner([&] {
      while (!closed.load()) {
        syncer.run_queued();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
    log.reset();
    closed.store(true);
    runner.join();
  }
  LogSyncer syncer{LogSyncer::kManual};
  std::unique_ptr<PartitionLog> log;
};

TEST(Durability, AppendReturnsWrittenAndTheTicketCompletesAfterTheSync) {
  TempDir dir;
  ManualLog m(dir);
  auto pending = append_async_copy(*m.log, make_batch(3, 10, 1));
  ASSERT_TRUE(pending.is_ok()) << pending.status().to_string();
  EXPECT_EQ(pending->result.base_offset, 0);
  EXPECT_EQ(pending->durable.offset(), 3);
  EXPECT_EQ(m.log->log_end_offset(), 3);
  EXPECT_EQ(m.log->durable_offset(), 0);
  EXPECT_EQ(m.log->high_watermark(), 0);

  std::optional<Status> outcome;
  pending->durable.then([&](Status status) { outcome = status; });
  EXPECT_FALSE(outcome.has_value());
  EXPECT_EQ(m.syncer.run_queued(), 1u);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_TRUE(outcome->is_ok());
  EXPECT_EQ(m.log->durable_offset(), 3);
  EXPECT_EQ(m.log->high_watermark(), 3);
  EXPECT_EQ(m.log->sync_count(), 1u);

  // Already durable: then() runs at once, on this thread.
  bool ran = false;
  pending->durable.then([&](Status status) { ran = status.is_ok(); });
  EXPECT_TRUE(ran);
}

TEST(Durability, ReadsUpToTheHighWatermarkSeeNothingUnsynced) {
  TempDir dir;
  ManualLog m(dir);
  ASSERT_TRUE(append_async_copy(*m.log, make_batch(2, 10, 1)).is_ok());
  m.syncer.run_queued();
  ASSERT_TRUE(append_async_copy(*m.log, make_batch(5, 10, 2)).is_ok());
  ReadOptions options;
  options.max_offset = m.log->high_watermark();
  auto read = m.log->read(2, options);  // written, not durable
  ASSERT_TRUE(read.is_ok());
  EXPECT_TRUE(read->empty());
  m.syncer.run_queued();
  options.max_offset = m.log->high_watermark();
  read = m.log->read(2, options);
  ASSERT_TRUE(read.is_ok());
  EXPECT_FALSE(read->empty());
}

TEST(Durability, TicketsCompleteInOffsetOrderAndShareOneSync) {
  TempDir dir;
  ManualLog m(dir);
  std::vector<int64_t> completed;
  for (int i = 0; i < 10; ++i) {
    auto pending = append_async_copy(*m.log, make_batch(1 + i % 3, 10, i));
    ASSERT_TRUE(pending.is_ok());
    pending->durable.then([&completed, offset = pending->durable.offset()](Status status) {
      EXPECT_TRUE(status.is_ok());
      completed.push_back(offset);
    });
  }
  EXPECT_EQ(m.syncer.run_queued(), 1u);
  ASSERT_EQ(completed.size(), 10u);
  EXPECT_TRUE(std::is_sorted(completed.begin(), completed.end()));
  EXPECT_EQ(m.log->sync_count(), 1u);
}

TEST(Durability, AppendsDuringASyncJoinTheNextOne) {
  TempDir dir;
  ManualLog m(dir);
  std::vector<int64_t> completed;
  auto first = append_async_copy(*m.log, make_batch(1, 10, 1));
  ASSERT_TRUE(first.is_ok());
  // The first ticket's callback appends again, as a pipelining producer would.
  first->durable.then([&](Status) {
    completed.push_back(1);
    auto second = append_async_copy(*m.log, make_batch(1, 10, 2));
    ASSERT_TRUE(second.is_ok());
    second->durable.then([&](Status) { completed.push_back(2); });
  });
  EXPECT_EQ(m.syncer.run_queued(), 2u);  // the job requeues itself for the second append
  EXPECT_EQ(completed, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(m.log->durable_offset(), 2);
}

// Without descriptors there is nothing to sendfile from: Fetch copies the bytes instead.
TEST(Durability, ReadsOnAFileSystemWithoutDescriptorsHaveNoFileRange) {
  sluice::testing::FaultInjectingFileSystem fs;
  auto log = PartitionLog::open("/data/p", LogConfig{}, system_clock_ms, fs);
  ASSERT_TRUE(log.is_ok()) << log.status().to_string();
  ASSERT_TRUE(testing::append_copy(**log, make_batch(3, 10, 1)).is_ok());
  auto read = (*log)->read(0, ReadOptions{});
  ASSERT_TRUE(read.is_ok());
  EXPECT_FALSE(read->empty());
  EXPECT_FALSE(read->file_range().has_value());
}

TEST(Durability, ConcurrentAppendersShareFarFewerSyncsThanAppends) {
  // fdatasyncs counted by the file system itself, not by the log's own counter.
  sluice::testing::FaultInjectingFileSystem fs;
  const std::filesystem::path dir = "/data/p";
  // A disk that takes a while to sync, as a real one does: appends pile up behind it.
  fs.set_sync_hook([](const std::filesystem::path&) {
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  });
  auto log = PartitionLog::open(dir, LogConfig{}, system_clock_ms, fs);
  ASSERT_TRUE(log.is_ok()) << log.status().to_string();
  const uint64_t syncs_at_open = fs.sync_count_under(dir);
  constexpr int kThreads = 8;
  constexpr int kAppendsEach = 100;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAppendsEach; ++i) {
        std::string batch = make_batch(1, 100, t * 1000 + i);
        // Each appender waits for its own append before the next, as a producer with one
        // request in flight does.
        auto appended = (*log)->append(std::span<char>(batch.data(), batch.size()), 0);
        if (!appended.is_ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ((*log)->durable_offset(), kThreads * kAppendsEach);
  EXPECT_EQ((*log)->high_watermark(), kThreads * kAppendsEach);
  // Each sync covers every append written while the previous one ran.
  const uint64_t syncs = fs.sync_count_under(dir) - syncs_at_open;
  EXPECT_GT(syncs, 0u);
  EXPECT_LT(syncs, static_cast<uint64_t>(kThreads * kAppendsEach) / 2);
}

TEST(Durability, NothingIsReadableDuringItsSlowFsync) {
  // fsync=always with a slow fdatasync: while it runs, a reader held to the high watermark
  // (as Fetch is) sees nothing past the durable offset.
  sluice::testing::FaultInjectingFileSystem fs;
  std::mutex mu;
  std::condition_variable cv;
  bool syncing = false;
  bool release = false;
  auto log = PartitionLog::open("/data/p", LogConfig{}, system_clock_ms, fs);
  ASSERT_TRUE(log.is_ok()) << log.status().to_string();
  ASSERT_TRUE(append_async_copy(**log, make_batch(2, 10, 1)).is_ok());
  ASSERT_TRUE((*log)->flush().is_ok());
  fs.set_sync_hook([&](const std::filesystem::path&) {
    std::unique_lock lock(mu);
    syncing = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
  });
  auto pending = append_async_copy(**log, make_batch(3, 10, 2));
  ASSERT_TRUE(pending.is_ok());
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return syncing; });
  }
  ReadOptions options;
  options.max_offset = (*log)->high_watermark();
  EXPECT_EQ(options.max_offset, 2);
  EXPECT_EQ((*log)->log_end_offset(), 5);
  auto read = (*log)->read(2, options);
  ASSERT_TRUE(read.is_ok());
  EXPECT_TRUE(read->empty());
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  EXPECT_TRUE(pending->durable.wait().is_ok());
  EXPECT_EQ((*log)->high_watermark(), 5);
  fs.set_sync_hook(nullptr);
}

TEST(Durability, UnderIntervalAndNeverTheTicketIsDoneAtOnceAndTheHighWatermarkIsTheEnd) {
  for (FsyncPolicy policy : {FsyncPolicy::interval(60000), FsyncPolicy::never()}) {
    TempDir dir;
    LogConfig config;
    config.fsync = policy;
    ManualLog m(dir, config);
    auto pending = append_async_copy(*m.log, make_batch(4, 10, 1));
    ASSERT_TRUE(pending.is_ok());
    EXPECT_EQ(pending->durable.offset(), 0);
    EXPECT_TRUE(pending->durable.wait().is_ok());
    EXPECT_EQ(m.log->high_watermark(), 4);
    EXPECT_EQ(m.log->durable_offset(), 0);
    EXPECT_EQ(m.syncer.run_queued(), 0u);
  }
}

TEST(Durability, ListenerRunsWhenTheHighWatermarkMoves) {
  TempDir dir;
  ManualLog m(dir);
  std::vector<int64_t> seen;
  m.log->set_high_watermark_listener([&](int64_t offset) { seen.push_back(offset); });
  ASSERT_TRUE(append_async_copy(*m.log, make_batch(2, 10, 1)).is_ok());
  ASSERT_TRUE(append_async_copy(*m.log, make_batch(3, 10, 1)).is_ok());
  EXPECT_TRUE(seen.empty());
  m.syncer.run_queued();
  EXPECT_EQ(seen, (std::vector<int64_t>{5}));
}

TEST(Durability, ReplicationOwnsTheHighWatermarkOnceItTakesOver) {
  TempDir dir;
  ManualLog m(dir);
  m.log->set_replicated_high_watermark();
  ASSERT_TRUE(append_async_copy(*m.log, make_batch(4, 10, 1)).is_ok());
  m.syncer.run_queued();
  EXPECT_EQ(m.log->durable_offset(), 4);
  EXPECT_EQ(m.log->high_watermark(), 0);  // durable here, not yet on the other replicas
  m.log->advance_high_watermark(3);
  EXPECT_EQ(m.log->high_watermark(), 3);
  m.log->advance_high_watermark(2);  // never down
  EXPECT_EQ(m.log->high_watermark(), 3);
  m.log->advance_high_watermark(100);  // never past the log end
  EXPECT_EQ(m.log->high_watermark(), 4);
}

TEST(Durability, TruncationFailsTicketsForOffsetsItRemoved) {
  TempDir dir;
  ManualLog m(dir);
  m.log->set_replicated_high_watermark();
  ASSERT_TRUE(append_async_copy(*m.log, make_batch(2, 10, 1)).is_ok());
  m.syncer.run_queued();
  auto lost = append_async_copy(*m.log, make_batch(2, 10, 2));
  ASSERT_TRUE(lost.is_ok());
  std::optional<Status> outcome;
  lost->durable.then([&](Status status) { outcome = status; });
  ASSERT_TRUE(m.log->truncate_to(2).is_ok());
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(m.log->log_end_offset(), 2);
  EXPECT_EQ(m.log->durable_offset(), 2);
}

}  // namespace
}  // namespace sluice::storage
