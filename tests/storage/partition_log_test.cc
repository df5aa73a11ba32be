#include "storage/partition_log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "storage/log_flusher.h"
#include "storage/record_batch.h"
#include "storage/record_batch_builder.h"
#include "storage/test_util.h"

namespace sluice::storage {
namespace {

using testing::append_copy;
using testing::make_batch;
using testing::read_all_batches;
using testing::TempDir;

std::unique_ptr<PartitionLog> open_log(const TempDir& dir, LogConfig config = {},
                                       Clock clock = system_clock_ms) {
  auto log = PartitionLog::open(dir.path() / "topic-0", config, std::move(clock));
  EXPECT_TRUE(log.is_ok()) << log.status().to_string();
  return log.is_ok() ? std::move(*log) : nullptr;
}

TEST(PartitionLog, AppendAssignsConsecutiveOffsets) {
  TempDir dir;
  auto log = open_log(dir);
  auto first = append_copy(*log, make_batch(3, 10, 1000));
  auto second = append_copy(*log, make_batch(5, 10, 1001));
  ASSERT_TRUE(first.is_ok() && second.is_ok());
  EXPECT_EQ(first->base_offset, 0);
  EXPECT_EQ(first->last_offset, 2);
  EXPECT_EQ(second->base_offset, 3);
  EXPECT_EQ(second->last_offset, 7);
  EXPECT_EQ(first->log_append_time, -1);
  EXPECT_EQ(log->log_end_offset(), 8);
  EXPECT_EQ(log->durable_offset(), 8);
}

TEST(PartitionLog, SeveralBatchesInOneAppendGetTheirOwnOffsets) {
  TempDir dir;
  auto log = open_log(dir);
  auto result = append_copy(*log, make_batch(2, 10, 1) + make_batch(4, 10, 2));
  ASSERT_TRUE(result.is_ok());
  EXPECT_EQ(result->base_offset, 0);
  EXPECT_EQ(result->last_offset, 5);
  const auto batches = read_all_batches(*log);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(RecordBatchView::parse(batches[1])->base_offset(), 2);
}

TEST(PartitionLog, AppendStampsLeaderEpochAndKeepsPayloadByteIdentical) {
  TempDir dir;
  auto log = open_log(dir);
  const std::string batch = make_batch(3, 64, 5000, 9);
  ASSERT_TRUE(append_copy(*log, make_batch(1, 1, 1)).is_ok());
  ASSERT_TRUE(append_copy(*log, batch, 7).is_ok());
  const auto batches = read_all_batches(*log);
  ASSERT_EQ(batches.size(), 2u);
  auto stored = RecordBatchView::parse(batches[1]);
  EXPECT_EQ(stored->base_offset(), 1);
  EXPECT_EQ(stored->leader_epoch(), 7);
  EXPECT_TRUE(stored->crc_matches());
  // Only base offset and epoch differ from what the producer sent.
  EXPECT_EQ(batches[1].substr(format::kMagicPos), batch.substr(format::kMagicPos));
}

TEST(PartitionLog, CorruptBatchIsRejectedAndNothingOfTheAppendIsWritten) {
  TempDir dir;
  auto log = open_log(dir);
  std::string bad = make_batch(2, 10, 1);
  bad.back() ^= 1;
  auto result = append_copy(*log, make_batch(2, 10, 1) + bad);
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(log->log_end_offset(), 0);
  EXPECT_EQ(log->size_bytes(), 0u);
}

TEST(PartitionLog, BatchOverMaxBatchBytesIsTooLarge) {
  TempDir dir;
  LogConfig config;
  config.max_batch_bytes = 500;
  auto log = open_log(dir, config);
  auto result = append_copy(*log, make_batch(10, 100, 1));
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().code(), StatusCode::kTooLarge);
}

TEST(PartitionLog, ReadReturnsWholeBatchesStartingWithTheOneHoldingTheOffset) {
  TempDir dir;
  auto log = open_log(dir);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(append_copy(*log, make_batch(10, 20, i)).is_ok());
  auto read = log->read(35, ReadOptions{});
  ASSERT_TRUE(read.is_ok());
  std::string bytes;
  ASSERT_TRUE(read->append_to(&bytes).is_ok());
  auto batches = split_batches(bytes, INT32_MAX);
  ASSERT_TRUE(batches.is_ok());
  ASSERT_EQ(batches->size(), 7u);
  EXPECT_EQ(batches->front().base_offset(), 30);
  EXPECT_EQ(batches->back().last_offset(), 99);
  EXPECT_EQ(read->log_end_offset, 100);
}

TEST(PartitionLog, ReadHonoursMaxBytesWithWholeBatchesOnly) {
  TempDir dir;
  auto log = open_log(dir);
  const std::string batch = make_batch(5, 100, 1);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(append_copy(*log, batch).is_ok());
  ReadOptions options;
  options.max_bytes = static_cast<int64_t>(batch.size() * 3 + batch.size() / 2);
  auto read = log->read(0, options);
  ASSERT_TRUE(read.is_ok());
  EXPECT_EQ(read->size, batch.size() * 3);

  options.max_bytes = 10;  // smaller than one batch: still one, so a consumer progresses
  read = log->read(0, options);
  EXPECT_EQ(read->size, batch.size());
  options.min_one_batch = false;
  read = log->read(0, options);
  EXPECT_TRUE(read->empty());
}

TEST(PartitionLog, ReadStopsAtMaxOffset) {
  TempDir dir;
  auto log = open_log(dir);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(append_copy(*log, make_batch(2, 10, i)).is_ok());
  ReadOptions options;
  options.max_offset = 6;  // like a high watermark below the log end
  auto read = log->read(1, options);
  std::string bytes;
  ASSERT_TRUE(read->append_to(&bytes).is_ok());
  auto batches = split_batches(bytes, INT32_MAX);
  ASSERT_EQ(batches->size(), 3u);
  EXPECT_EQ(batches->back().last_offset(), 5);
  options.max_offset = 0;
  EXPECT_TRUE(log->read(0, options)->empty());
}

TEST(PartitionLog, ReadAtTheEndIsEmptyAndPastTheEndIsOutOfRange) {
  TempDir dir;
  auto log = open_log(dir);
  ASSERT_TRUE(append_copy(*log, make_batch(3, 10, 1)).is_ok());
  auto at_end = log->read(3, ReadOptions{});
  ASSERT_TRUE(at_end.is_ok());
  EXPECT_TRUE(at_end->empty());
  EXPECT_EQ(log->read(4, ReadOptions{}).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(log->read(-1, ReadOptions{}).status().code(), StatusCode::kOutOfRange);
}

TEST(PartitionLog, ReadsAcrossManySegmentsAndIndexEntries) {
  TempDir dir;
  LogConfig config;
  config.segment_bytes = 32 * 1024;
  auto log = open_log(dir, config);
  for (int i = 0; i < 400; ++i) ASSERT_TRUE(append_copy(*log, make_batch(4, 100, i, i)).is_ok());
  EXPECT_GT(log->segment_count(), 5u);
  for (int64_t offset = 0; offset < 1600; offset += 37) {
    ReadOptions options;
    options.max_bytes = 1;
    auto read = log->read(offset, options);
    ASSERT_TRUE(read.is_ok()) << offset;
    std::string bytes;
    ASSERT_TRUE(read->append_to(&bytes).is_ok());
    auto batch = RecordBatchView::parse(bytes);
    ASSERT_TRUE(batch.is_ok());
    EXPECT_EQ(batch->base_offset(), offset / 4 * 4) << offset;
    EXPECT_TRUE(batch->crc_matches());
  }
  EXPECT_EQ(read_all_batches(*log).size(), 400u);
}

TEST(PartitionLog, SegmentsRollBySize) {
  TempDir dir;
  LogConfig config;
  config.segment_bytes = 10 * 1024;
  auto log = open_log(dir, config);
  const std::string batch = make_batch(10, 100, 1);  // a little over 1 KiB
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(append_copy(*log, batch).is_ok());
  const auto logs = testing::files_with_suffix(dir.path() / "topic-0", ".log");
  EXPECT_EQ(logs.size(), log->segment_count());
  EXPECT_GE(logs.size(), 3u);
  for (const auto& file : logs) EXPECT_LE(std::filesystem::file_size(file), 10u * 1024);
  const int64_t batches_per_segment = 10 * 1024 / static_cast<int64_t>(batch.size());
  EXPECT_EQ(logs[0].filename().string(), "00000000000000000000.log");
  EXPECT_EQ(logs[1].filename().string(), segment_file_name(batches_per_segment * 10, ".log"));
}

TEST(PartitionLog, SegmentsRollByAge) {
  TempDir dir;
  std::atomic<int64_t> now{1'000'000};
  LogConfig config;
  config.segment_ms = 60'000;
  auto log = open_log(dir, config, [&] { return now.load(); });
  ASSERT_TRUE(append_copy(*log, make_batch(1, 10, now)).is_ok());
  ASSERT_TRUE(append_copy(*log, make_batch(1, 10, now + 59'999)).is_ok());
  EXPECT_EQ(log->segment_count(), 1u);
  now += 60'000;
  ASSERT_TRUE(append_copy(*log, make_batch(1, 10, now)).is_ok());
  EXPECT_EQ(log->segment_count(), 2u);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "topic-0" / "00000000000000000002.log"));
}

TEST(PartitionLog, LogAppendTimeReplacesTheProducerTimestamp) {
  TempDir dir;
  LogConfig config;
  config.timestamp_type = TimestampType::kLogAppendTime;
  auto log = open_log(dir, config, [] { return int64_t{777'000}; });
  auto result = append_copy(*log, make_batch(2, 10, 5));
  ASSERT_TRUE(result.is_ok());
  EXPECT_EQ(result->log_append_time, 777'000);
  const auto batches = read_all_batches(*log);
  auto stored = RecordBatchView::parse(batches.at(0));
  EXPECT_TRUE(stored->has_log_append_time());
  EXPECT_EQ(stored->max_timestamp(), 777'000);
  EXPECT_TRUE(stored->crc_matches());
}

TEST(PartitionLog, FindsOffsetsByTimestamp) {
  TempDir dir;
  LogConfig config;
  config.segment_bytes = 16 * 1024;
  auto log = open_log(dir, config);
  // Batch i holds records i*4 .. i*4+3 with timestamps 1000 + 10*i + j.
  for (int i = 0; i < 200; ++i) {
    RecordBatchBuilder builder(1000 + 10 * i);
    for (int j = 0; j < 4; ++j) builder.add(std::nullopt, std::string(50, 'x'), 1000 + 10 * i + j);
    ASSERT_TRUE(append_copy(*log, builder.build()).is_ok());
  }
  using Found = std::optional<TimestampedOffset>;
  EXPECT_EQ(*log->offset_for_timestamp(0), Found({0, 1000}));
  EXPECT_EQ(*log->offset_for_timestamp(1000), Found({0, 1000}));
  EXPECT_EQ(*log->offset_for_timestamp(1502), Found({202, 1502}));
  EXPECT_EQ(*log->offset_for_timestamp(1505), Found({204, 1510}));
  EXPECT_EQ(*log->offset_for_timestamp(2993), Found({799, 2993}));
  EXPECT_EQ(*log->offset_for_timestamp(2994), std::nullopt);
}

TEST(PartitionLog, TruncateToRemovesTheTailAndAppendsContinueFromThere) {
  TempDir dir;
  LogConfig config;
  config.segment_bytes = 4 * 1024;
  auto log = open_log(dir, config);
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(append_copy(*log, make_batch(5, 100, i)).is_ok());
  ASSERT_GT(log->segment_count(), 3u);
  ASSERT_TRUE(log->truncate_to(52).is_ok());  // batch 50..54 straddles: it goes whole
  EXPECT_EQ(log->log_end_offset(), 50);
  EXPECT_EQ(read_all_batches(*log).size(), 10u);
  auto next = append_copy(*log, make_batch(1, 10, 1), 3);
  ASSERT_TRUE(next.is_ok());
  EXPECT_EQ(next->base_offset, 50);

  ASSERT_TRUE(log->truncate_to(0).is_ok());
  EXPECT_EQ(log->log_end_offset(), 0);
  EXPECT_EQ(log->segment_count(), 1u);
  EXPECT_TRUE(read_all_batches(*log).empty());
}

TEST(PartitionLog, ReopenAfterCleanCloseKeepsEverythingAndSkipsTheScan) {
  TempDir dir;
  std::vector<std::string> before;
  {
    auto log = open_log(dir);
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(append_copy(*log, make_batch(3, 200, i, i)).is_ok());
    before = read_all_batches(*log);
    ASSERT_TRUE(log->close().is_ok());
  }
  auto log = open_log(dir);
  EXPECT_TRUE(log->recovery().clean_shutdown);
  EXPECT_FALSE(log->recovery().tail.scanned);
  EXPECT_EQ(log->log_end_offset(), 60);
  EXPECT_EQ(read_all_batches(*log), before);
  // The marker is consumed: a crash from here on must scan again.
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "topic-0" / format::kCleanShutdownFile));
}

TEST(PartitionLog, ClosedLogRefusesAppends) {
  TempDir dir;
  auto log = open_log(dir);
  ASSERT_TRUE(log->close().is_ok());
  EXPECT_EQ(append_copy(*log, make_batch(1, 1, 1)).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST(PartitionLog, ConcurrentAppendersShareFsyncsAndAllBecomeDurable) {
  TempDir dir;
  auto log = open_log(dir);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto result = append_copy(*log, make_batch(2, 100, i, t));
        if (!result.is_ok() || log->durable_offset() <= result->last_offset) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(log->log_end_offset(), kThreads * kPerThread * 2);
  EXPECT_EQ(read_all_batches(*log).size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST(PartitionLog, ConcurrentReadersOnlyEverSeeWholeValidBatches) {
  TempDir dir;
  LogConfig config;
  config.segment_bytes = 32 * 1024;
  config.fsync = FsyncPolicy::never();
  auto log = open_log(dir, config);
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::atomic<int64_t> reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!done.load()) {
        const int64_t end = log->log_end_offset();
        auto read = log->read(end > 10 ? end - 10 : 0, ReadOptions{});
        if (!read.is_ok()) {
          ++bad;
          continue;
        }
        std::string bytes;
        if (!read->append_to(&bytes).is_ok()) ++bad;
        if (!bytes.empty() && !split_batches(bytes, INT32_MAX).is_ok()) ++bad;
        ++reads;
      }
    });
  }
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(append_copy(*log, make_batch(3, 60, i, i)).is_ok());
  done = true;
  for (auto& reader : readers) reader.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(reads.load(), 0);
}

TEST(PartitionLog, IntervalPolicyFlushesOnceTheIntervalPasses) {
  TempDir dir;
  std::atomic<int64_t> now{1'000'000};
  LogConfig config;
  config.fsync = FsyncPolicy::interval(100);
  auto log = open_log(dir, config, [&] { return now.load(); });
  ASSERT_TRUE(append_copy(*log, make_batch(1, 10, 1)).is_ok());
  EXPECT_EQ(log->durable_offset(), 0);
  ASSERT_TRUE(log->flush_if_due().is_ok());
  EXPECT_EQ(log->durable_offset(), 0);
  now += 100;
  ASSERT_TRUE(log->flush_if_due().is_ok());
  EXPECT_EQ(log->durable_offset(), 1);
}

TEST(PartitionLog, AppendsUnderIntervalPolicyNeverWaitForAFlush) {
  TempDir dir;
  std::atomic<int64_t> now{1'000'000};
  LogConfig config;
  config.fsync = FsyncPolicy::interval(100);
  auto log = open_log(dir, config, [&] { return now.load(); });
  now += 1'000;  // long overdue: still the append only writes
  ASSERT_TRUE(append_copy(*log, make_batch(1, 10, 1)).is_ok());
  EXPECT_EQ(log->durable_offset(), 0);
  EXPECT_EQ(log->sync_count(), 0u);
}

TEST(LogFlusher, FlushesIntervalLogsInTheBackground) {
  TempDir dir;
  LogConfig config;
  config.fsync = FsyncPolicy::interval(20);
  auto log = open_log(dir, config);
  LogFlusher flusher(std::chrono::milliseconds(5));
  flusher.add(log.get());
  ASSERT_TRUE(append_copy(*log, make_batch(3, 10, 1)).is_ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (log->durable_offset() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(log->durable_offset(), 3);
  flusher.remove(log.get());
}

TEST(PartitionLog, NeverPolicyLeavesSyncingToFlushAndClose) {
  TempDir dir;
  LogConfig config;
  config.fsync = FsyncPolicy::never();
  auto log = open_log(dir, config);
  ASSERT_TRUE(append_copy(*log, make_batch(4, 10, 1)).is_ok());
  EXPECT_EQ(log->durable_offset(), 0);
  ASSERT_TRUE(log->flush().is_ok());
  EXPECT_EQ(log->durable_offset(), 4);
}

}  // namespace
}  // namespace sluice::storage
