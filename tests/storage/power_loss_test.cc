// The partition log under power loss, failed fsyncs, torn writes and a full disk, on the
// fault-injecting file system: every acknowledged append survives, an acknowledged
// DeleteRecords never comes back, and no corrupt batch is ever read.
#include <gtest/gtest.h>

#include <cerrno>

#include "common/fault_injecting_file_system.h"
#include "storage/record_batch.h"
#include "storage/test_util.h"

namespace sluice::storage {
namespace {

using sluice::testing::AfterTear;
using sluice::testing::FaultInjectingFileSystem;
using sluice::testing::Operation;
using storage::testing::make_batch;
using storage::testing::read_all_batches;

const std::filesystem::path kDir = "/data/topic-0";
constexpr int kAppends = 24;
constexpr int kDeleteAfter = 12;  // DeleteRecords once this many appends are in

LogConfig small_segments() {
  LogConfig config;
  config.segment_bytes = 2048;  // a roll every few appends
  config.fsync = FsyncPolicy::always();
  return config;
}

std::unique_ptr<PartitionLog> open_log(FaultInjectingFileSystem& fs) {
  auto log = PartitionLog::open(kDir, small_segments(), system_clock_ms, fs);
  EXPECT_TRUE(log.is_ok()) << log.status().to_string();
  return log.is_ok() ? std::move(*log) : nullptr;
}

// What a workload attempted and what it was told succeeded.
struct Outcome {
  std::vector<std::string> attempted;  // stamped bytes of each append tried, in order
  size_t acknowledged = 0;             // appends that returned OK (a prefix of attempted)
  int64_t deleted_below = 0;           // the highest acknowledged DeleteRecords offset
};

// Appends until the first failure (the power is gone after that), with one DeleteRecords.
Outcome run_workload(FaultInjectingFileSystem& fs) {
  Outcome outcome;
  auto log = PartitionLog::open(kDir, small_segments(), system_clock_ms, fs);
  if (!log.is_ok()) return outcome;
  for (int i = 0; i < kAppends; ++i) {
    if (i == kDeleteAfter) {
      const int64_t target = (*log)->log_end_offset() - 3;
      if (!(*log)->delete_records(target).is_ok()) break;
      outcome.deleted_below = target;
    }
    std::string batch = make_batch(3, 60, 1000 + i, static_cast<uint64_t>(i));
    auto appended = (*log)->append(std::span<char>(batch.data(), batch.size()), 0);
    outcome.attempted.push_back(batch);  // stamped in place, as it would be on disk
    if (!appended.is_ok()) break;
    ++outcome.acknowledged;
  }
  return outcome;
}

// Reopens after power is back and checks the log against what the workload was told.
void expect_recovered(FaultInjectingFileSystem& fs, const Outcome& outcome) {
  auto log = open_log(fs);
  ASSERT_NE(log, nullptr);
  EXPECT_GE(log->log_start_offset(), outcome.deleted_below);
  const auto batches = read_all_batches(*log);
  // Batches below the start went with their segments; map the rest by base offset.
  size_t first = 0;
  while (first < outcome.attempted.size() &&
         RecordBatchView::parse(outcome.attempted[first])->last_offset() <
             log->log_start_offset()) {
    ++first;
  }
  for (size_t i = 0; i < batches.size(); ++i) {
    auto view = RecordBatchView::parse(batches[i]);
    ASSERT_TRUE(view.is_ok()) << view.status().to_string();
    EXPECT_TRUE(view->crc_matches()) << "batch " << i << " is corrupt";
    ASSERT_LT(first + i, outcome.attempted.size()) << "a batch nobody appended";
    // A batch straddling the log start is returned whole; everything matches byte for byte.
    EXPECT_EQ(batches[i], outcome.attempted[first + i]) << "batch " << i;
  }
  EXPECT_GE(first + batches.size(), outcome.acknowledged) << "an acknowledged append was lost";
}

TEST(PartitionLogPowerLossTest, AcknowledgedAppendsAndDeletesSurviveACutAtEveryOperation) {
  uint64_t total = 0;
  {
    FaultInjectingFileSystem fs;
    const Outcome outcome = run_workload(fs);
    ASSERT_EQ(outcome.acknowledged, static_cast<size_t>(kAppends));
    total = fs.operations();
  }
  ASSERT_GT(total, 100u);
  for (uint64_t cut = 1; cut <= total + 1; ++cut) {
    SCOPED_TRACE("power lost before operation " + std::to_string(cut));
    FaultInjectingFileSystem fs;
    fs.lose_power_before_operation(cut);
    const Outcome outcome = run_workload(fs);  // its logs' destructors fail: no power
    fs.power_on();
    expect_recovered(fs, outcome);
    if (::testing::Test::HasFailure()) break;
  }
}

TEST(PartitionLogPowerLossTest, PowerLossDuringRecoveryLosesNothingAcknowledged) {
  FaultInjectingFileSystem fs;
  fs.lose_power_before_operation(170);
  const Outcome outcome = run_workload(fs);
  ASSERT_GT(outcome.acknowledged, 5u);
  // Recover, but lose power again at each step of the recovery itself.
  for (uint64_t cut = 1; cut < 12; ++cut) {
    fs.power_on();
    fs.lose_power_before_operation(cut);
    { auto log = PartitionLog::open(kDir, small_segments(), system_clock_ms, fs); }
  }
  fs.power_on();
  expect_recovered(fs, outcome);
}

TEST(PartitionLogPowerLossTest, UnsyncedAppendsAreLostButNeverCorrupt) {
  FaultInjectingFileSystem fs;
  LogConfig config = small_segments();
  config.fsync = FsyncPolicy::never();
  Outcome outcome;
  {
    auto log = PartitionLog::open(kDir, config, system_clock_ms, fs);
    ASSERT_TRUE(log.is_ok());
    for (int i = 0; i < 10; ++i) {
      std::string batch = make_batch(2, 100, 1000 + i, static_cast<uint64_t>(i));
      ASSERT_TRUE((*log)->append(std::span<char>(batch.data(), batch.size()), 0).is_ok());
      outcome.attempted.push_back(batch);
    }
    fs.lose_power();
  }
  fs.power_on();
  // Rolls fsync the segment they leave: what was rolled away survives, the rest may not.
  expect_recovered(fs, outcome);
}

TEST(PartitionLogPowerLossTest, AFailedFsyncTakesTheLogOfflineUntilReopened) {
  FaultInjectingFileSystem fs;
  fs.inject({.operation = Operation::kSync, .path_contains = ".log", .skip = 6, .times = 1});
  Outcome outcome;
  {
    auto log = open_log(fs);
    ASSERT_NE(log, nullptr);  // open syncs once
    Status failed;
    for (int i = 0; i < 10; ++i) {
      std::string batch = make_batch(1, 50, 1000 + i, static_cast<uint64_t>(i));
      auto appended = log->append(std::span<char>(batch.data(), batch.size()), 0);
      outcome.attempted.push_back(batch);
      if (!appended.is_ok()) {
        failed = appended.status();
        break;
      }
      ++outcome.acknowledged;
    }
    ASSERT_FALSE(failed.is_ok());
    EXPECT_EQ(failed.code(), StatusCode::kIoError);
    // The fault is gone, but a sync after a failed one cannot be trusted: stay offline.
    std::string batch = make_batch(1, 50, 2000);
    auto after = log->append(std::span<char>(batch.data(), batch.size()), 0);
    EXPECT_EQ(after.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(read_all_batches(*log).size(), outcome.attempted.size());  // reads still work
    fs.lose_power();
  }
  fs.power_on();
  expect_recovered(fs, outcome);
  auto log = open_log(fs);
  std::string batch = make_batch(1, 50, 3000);
  EXPECT_TRUE(log->append(std::span<char>(batch.data(), batch.size()), 0).is_ok())
      << "a reopened log accepts appends again";
}

TEST(PartitionLogPowerLossTest, ATornWriteThenPowerLossIsCutAtTheLastWholeBatch) {
  const std::string sample = make_batch(3, 80, 1);
  for (size_t keep = 0; keep < sample.size(); keep += 7) {
    SCOPED_TRACE("torn after " + std::to_string(keep) + " bytes");
    FaultInjectingFileSystem fs;
    Outcome outcome;
    {
      auto log = open_log(fs);
      ASSERT_NE(log, nullptr);
      for (int i = 0; i < 5; ++i) {
        if (i == 4) fs.tear_next_write(".log", keep, AfterTear::kLosePower);
        std::string batch = make_batch(3, 80, 1000 + i, static_cast<uint64_t>(i));
        auto appended = log->append(std::span<char>(batch.data(), batch.size()), 0);
        outcome.attempted.push_back(batch);
        if (!appended.is_ok()) break;
        ++outcome.acknowledged;
      }
      ASSERT_EQ(outcome.acknowledged, 4u);
    }
    fs.power_on();
    {
      auto log = open_log(fs);
      EXPECT_EQ(log->recovery().tail.truncated_bytes, keep);
      EXPECT_EQ(read_all_batches(*log).size(), 4u);
    }
    expect_recovered(fs, outcome);
  }
}

TEST(PartitionLogPowerLossTest, ATornWriteIsCutBackAndTheLogStaysOnline) {
  FaultInjectingFileSystem fs;
  Outcome outcome;
  {
    auto log = open_log(fs);
    ASSERT_NE(log, nullptr);
    for (int i = 0; i < 8; ++i) {
      if (i == 3) fs.tear_next_write(".log", 41, AfterTear::kFail);
      std::string batch = make_batch(2, 70, 1000 + i, static_cast<uint64_t>(i));
      auto appended = log->append(std::span<char>(batch.data(), batch.size()), 0);
      if (i == 3) {
        EXPECT_EQ(appended.status().code(), StatusCode::kIoError);
        continue;
      }
      ASSERT_TRUE(appended.is_ok()) << appended.status().to_string();
      outcome.attempted.push_back(batch);
      ++outcome.acknowledged;
    }
    EXPECT_EQ(read_all_batches(*log), outcome.attempted);
    fs.lose_power();
  }
  fs.power_on();
  expect_recovered(fs, outcome);
}

TEST(PartitionLogPowerLossTest, AFullDiskFailsAppendsUntilSpaceIsBack) {
  for (uint64_t free : {0u, 1u, 61u, 300u, 1000u, 2500u, 4500u}) {
    SCOPED_TRACE("free bytes " + std::to_string(free));
    FaultInjectingFileSystem fs;
    Outcome outcome;
    {
      auto log = open_log(fs);
      ASSERT_NE(log, nullptr);
      fs.set_free_bytes(free);
      Status full;
      for (int i = 0; i < 200 && full.is_ok(); ++i) {
        std::string batch = make_batch(2, 90, 1000 + i, static_cast<uint64_t>(i));
        auto appended = log->append(std::span<char>(batch.data(), batch.size()), 0);
        if (!appended.is_ok()) {
          full = appended.status();
          break;
        }
        outcome.attempted.push_back(batch);
        ++outcome.acknowledged;
      }
      ASSERT_EQ(full.code(), StatusCode::kStorageFull) << full.to_string();
      // Still full: the next append fails the same way; reads are unaffected.
      std::string again = make_batch(2, 90, 5000);
      EXPECT_EQ(log->append(std::span<char>(again.data(), again.size()), 0).status().code(),
                StatusCode::kStorageFull);
      EXPECT_EQ(read_all_batches(*log), outcome.attempted);
      // Space is back: appends resume without reopening the log.
      fs.set_unlimited_space();
      for (int i = 0; i < 3; ++i) {
        std::string batch = make_batch(2, 90, 6000 + i, 100 + static_cast<uint64_t>(i));
        auto appended = log->append(std::span<char>(batch.data(), batch.size()), 0);
        ASSERT_TRUE(appended.is_ok()) << appended.status().to_string();
        outcome.attempted.push_back(batch);
        ++outcome.acknowledged;
      }
      EXPECT_EQ(read_all_batches(*log), outcome.attempted);
      fs.lose_power();
    }
    fs.power_on();
    expect_recovered(fs, outcome);
    auto log = open_log(fs);
    EXPECT_EQ(read_all_batches(*log).size(), outcome.acknowledged);
  }
}

TEST(PartitionLogPowerLossTest, GroupCommitIsVisibleInTheSyncCount) {
  FaultInjectingFileSystem fs;
  auto log = open_log(fs);
  ASSERT_NE(log, nullptr);
  const auto segment = kDir / segment_file_name(0, ".log");
  const uint64_t before = fs.sync_count(segment);
  for (int i = 0; i < 3; ++i) {
    std::string batch = make_batch(1, 10, 1000 + i);
    ASSERT_TRUE(log->append(std::span<char>(batch.data(), batch.size()), 0).is_ok());
  }
  // One fdatasync per append for a lone appender, counted on the segment file (the first
  // append also writes the leader-epoch checkpoint, which has syncs of its own).
  EXPECT_EQ(fs.sync_count(segment) - before, 3u);
  EXPECT_EQ(fs.sync_count(segment), 4u);  // open's sync too
}

}  // namespace
}  // namespace sluice::storage
