// Retention by size, by age and by an explicit low watermark (DeleteRecords).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "storage/format.h"
#include "storage/partition_log.h"
#include "storage/test_util.h"

namespace sluice::storage {
namespace {

using testing::append_copy;
using testing::make_batch;
using testing::read_all_batches;
using testing::TempDir;

class RetentionTest : public ::testing::Test {
 protected:
  std::unique_ptr<PartitionLog> open(LogConfig config) {
    config.segment_bytes = 8 * 1024;
    auto log = PartitionLog::open(dir_.path() / "p0", config, [this] { return now_.load(); });
    EXPECT_TRUE(log.is_ok()) << log.status().to_string();
    return log.is_ok() ? std::move(*log) : nullptr;
  }

  // Appends `count` ~1 KiB batches of 5 records stamped with the current fake time.
  void fill(PartitionLog& log, int count) {
    for (int i = 0; i < count; ++i) ASSERT_TRUE(append_copy(log, make_batch(5, 200, now_)).is_ok());
  }

  TempDir dir_;
  std::atomic<int64_t> now_{10'000'000};
};

TEST_F(RetentionTest, SizeLimitRemovesOldestSegmentsButNeverTheActiveOne) {
  LogConfig config;
  config.retention_bytes = 20 * 1024;
  auto log = open(config);
  fill(*log, 100);
  const size_t before = log->segment_count();
  auto removed = log->enforce_retention();
  ASSERT_TRUE(removed.is_ok());
  EXPECT_GT(*removed, 0);
  EXPECT_EQ(log->segment_count(), before - *removed);
  // Kafka's rule: delete while the log minus its oldest segment still meets the limit.
  EXPECT_LT(
      log->size_bytes() - (*log->read(log->log_start_offset(), ReadOptions{})).segment->size(),
      20u * 1024);
  EXPECT_GE(log->size_bytes(), 12u * 1024);
  EXPECT_GT(log->log_start_offset(), 0);
  EXPECT_EQ(log->log_end_offset(), 500);
  // What is left reads back from the new start to the end.
  const auto left = read_all_batches(*log);
  EXPECT_EQ(static_cast<int64_t>(left.size()) * 5, 500 - log->log_start_offset());
  EXPECT_EQ(log->read(0, ReadOptions{}).status().code(), StatusCode::kOutOfRange);
}

TEST_F(RetentionTest, AgeLimitRemovesSegmentsWhoseNewestRecordIsTooOld) {
  LogConfig config;
  config.retention_ms = 60'000;
  auto log = open(config);
  fill(*log, 30);
  const int64_t old_end = log->log_end_offset();
  now_ += 50'000;
  fill(*log, 30);
  now_ += 20'000;  // the first 30 batches are now 70 s old, the rest 20 s
  auto removed = log->enforce_retention();
  ASSERT_TRUE(removed.is_ok());
  EXPECT_GT(*removed, 0);
  EXPECT_LE(log->log_start_offset(), old_end);
  // Nothing from the second fill was removed.
  EXPECT_GE(log->log_end_offset() - log->log_start_offset(), 150);
}

TEST_F(RetentionTest, EverythingExpiredLeavesAnEmptyLogAtTheSameEnd) {
  LogConfig config;
  config.retention_ms = 1'000;
  auto log = open(config);
  fill(*log, 5);
  now_ += 5'000;
  ASSERT_TRUE(log->enforce_retention().is_ok());
  EXPECT_EQ(log->log_start_offset(), 25);
  EXPECT_EQ(log->log_end_offset(), 25);
  EXPECT_TRUE(read_all_batches(*log).empty());
  auto next = append_copy(*log, make_batch(1, 1, now_));
  ASSERT_TRUE(next.is_ok());
  EXPECT_EQ(next->base_offset, 25);
}

TEST_F(RetentionTest, DeleteRecordsRaisesTheStartAndSurvivesReopen) {
  LogConfig config;
  {
    auto log = open(config);
    fill(*log, 50);
    ASSERT_TRUE(log->delete_records(123).is_ok());
    EXPECT_EQ(log->log_start_offset(), 123);
    EXPECT_EQ(log->read(122, ReadOptions{}).status().code(), StatusCode::kOutOfRange);
    auto read = log->read(123, ReadOptions{});
    ASSERT_TRUE(read.is_ok());
    EXPECT_FALSE(read->empty());
    EXPECT_EQ(log->delete_records(251).code(), StatusCode::kOutOfRange);
    // Crash: the start offset must come back from disk, not from a clean close.
    ASSERT_TRUE(log->close().is_ok());
    std::filesystem::remove(dir_.path() / "p0" / format::kCleanShutdownFile);
  }
  auto log = open(config);
  EXPECT_EQ(log->log_start_offset(), 123);
  EXPECT_EQ(log->read(100, ReadOptions{}).status().code(), StatusCode::kOutOfRange);
}

TEST_F(RetentionTest, DeleteRecordsRemovesSegmentsWhollyBelowTheStart) {
  LogConfig config;
  auto log = open(config);
  fill(*log, 50);
  const size_t before = log->segment_count();
  ASSERT_TRUE(log->delete_records(200).is_ok());
  EXPECT_LT(log->segment_count(), before);
  EXPECT_EQ(log->log_start_offset(), 200);
}

TEST_F(RetentionTest, UnlimitedRetentionKeepsEverything) {
  LogConfig config;
  config.retention_ms = -1;
  config.retention_bytes = -1;
  auto log = open(config);
  fill(*log, 40);
  now_ += int64_t{365} * 24 * 3600 * 1000;
  EXPECT_EQ(*log->enforce_retention(), 0);
  EXPECT_EQ(log->log_start_offset(), 0);
}

// Fetch sends a read's bytes from the segment file after the read returns (sendfile); the
// range must stay readable when retention removes the segment in the meantime.
TEST_F(RetentionTest, FileRangeOfAReadStaysReadableAfterRetentionRemovesItsSegment) {
  LogConfig config;
  auto log = open(config);
  fill(*log, 50);
  auto read = log->read(0, ReadOptions{});
  ASSERT_TRUE(read.is_ok());
  std::string expected;
  ASSERT_TRUE(read->append_to(&expected).is_ok());
  auto range = read->file_range();
  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(range->size, expected.size());
  read = Status::not_found("dropped");  // only the range holds the segment now

  ASSERT_TRUE(log->delete_records(200).is_ok());
  ASSERT_FALSE(std::filesystem::exists(dir_.path() / "p0" / "00000000000000000000.log"));
  std::string bytes(range->size, '\0');
  ASSERT_EQ(::pread(range->fd, bytes.data(), bytes.size(), static_cast<off_t>(range->offset)),
            static_cast<ssize_t>(bytes.size()));
  EXPECT_EQ(bytes, expected);
}

}  // namespace
}  // namespace sluice::storage
