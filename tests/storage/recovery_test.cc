// What opening a log after an unclean stop does with torn, corrupt or missing files.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "common/coding.h"
#include "storage/partition_log.h"
#include "storage/record_batch.h"
#include "storage/test_util.h"

namespace sluice::storage {
namespace {

using testing::append_copy;
using testing::files_with_suffix;
using testing::make_batch;
using testing::read_all_batches;
using testing::TempDir;

class RecoveryTest : public ::testing::Test {
 protected:
  std::filesystem::path log_dir() const { return dir_.path() / "p0"; }

  std::unique_ptr<PartitionLog> open(LogConfig config = {}) {
    auto log = PartitionLog::open(log_dir(), config);
    EXPECT_TRUE(log.is_ok()) << log.status().to_string();
    return log.is_ok() ? std::move(*log) : nullptr;
  }

  // Writes `batches` batches and then drops the log without a clean close, as a crash would.
  std::vector<std::string> write_and_crash(int batches, LogConfig config = {}) {
    auto log = open(config);
    for (int i = 0; i < batches; ++i) {
      EXPECT_TRUE(append_copy(*log, make_batch(4, 300, 1000 + i, i)).is_ok());
    }
    auto written = read_all_batches(*log);
    crash(std::move(log));
    return written;
  }

  // Leaves the files as a crash after the last fsync would: closed, but with no clean
  // shutdown marker, so the next open must scan.
  void crash(std::unique_ptr<PartitionLog> log) {
    ASSERT_TRUE(log->close().is_ok());
    std::filesystem::remove(log_dir() / format::kCleanShutdownFile);
  }

  std::filesystem::path newest_log_file() const {
    return files_with_suffix(log_dir(), ".log").back();
  }

  void append_bytes(const std::filesystem::path& file, const std::string& bytes) {
    std::ofstream out(file, std::ios::binary | std::ios::app);
    out << bytes;
  }

  void overwrite_byte(const std::filesystem::path& file, uint64_t position, char value) {
    const int fd = ::open(file.c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::pwrite(fd, &value, 1, static_cast<off_t>(position)), 1);
    ::close(fd);
  }

  TempDir dir_;
};

TEST_F(RecoveryTest, TornTailIsTruncatedAndEveryWholeBatchKept) {
  const auto written = write_and_crash(10);
  const std::string next = make_batch(4, 300, 5000, 99);
  append_bytes(newest_log_file(), next.substr(0, next.size() / 2));
  auto log = open();
  EXPECT_FALSE(log->recovery().clean_shutdown);
  EXPECT_TRUE(log->recovery().tail.scanned);
  EXPECT_EQ(log->recovery().tail.truncated_bytes, next.size() / 2);
  EXPECT_EQ(log->recovery().tail.truncated_at_offset, 40);
  EXPECT_EQ(log->log_end_offset(), 40);
  EXPECT_EQ(read_all_batches(*log), written);
  auto appended = append_copy(*log, next);
  ASSERT_TRUE(appended.is_ok());
  EXPECT_EQ(appended->base_offset, 40);
}

TEST_F(RecoveryTest, TornHeaderShorterThanTheLengthFieldIsTruncated) {
  const auto written = write_and_crash(3);
  append_bytes(newest_log_file(), std::string(7, '\0'));
  auto log = open();
  EXPECT_EQ(log->recovery().tail.truncated_bytes, 7u);
  EXPECT_EQ(read_all_batches(*log), written);
}

TEST_F(RecoveryTest, BatchWithBadCrcAndEverythingAfterItIsDropped) {
  const auto written = write_and_crash(6);
  uint64_t position = 0;
  for (int i = 0; i < 4; ++i) position += written[i].size();
  overwrite_byte(newest_log_file(), position + written[4].size() - 10, 'Z');
  auto log = open();
  EXPECT_EQ(log->recovery().tail.reason, "CRC mismatch");
  EXPECT_EQ(log->log_end_offset(), 16);
  EXPECT_EQ(read_all_batches(*log), std::vector<std::string>(written.begin(), written.begin() + 4));
}

TEST_F(RecoveryTest, TwoGibLengthFieldIsTreatedAsCorruptNotAllocated) {
  const auto written = write_and_crash(2);
  std::string fake = make_batch(1, 10, 1);
  store_be32(fake.data() + format::kBatchLengthPos, 0x80000000u);
  append_bytes(newest_log_file(), fake);
  auto log = open();
  EXPECT_EQ(log->recovery().tail.truncated_bytes, fake.size());
  EXPECT_EQ(read_all_batches(*log), written);
}

TEST_F(RecoveryTest, WrongMagicInTheTailIsDropped) {
  const auto written = write_and_crash(2);
  std::string fake = make_batch(1, 10, 1);
  fake[format::kMagicPos] = 1;
  append_bytes(newest_log_file(), fake);
  auto log = open();
  EXPECT_NE(log->recovery().tail.reason.find("magic"), std::string::npos);
  EXPECT_EQ(read_all_batches(*log), written);
}

TEST_F(RecoveryTest, MissingIndexesAreRebuiltAndLookupsStillWork) {
  LogConfig config;
  config.segment_bytes = 32 * 1024;
  const auto written = write_and_crash(100, config);
  const auto indexes = files_with_suffix(log_dir(), ".index");
  ASSERT_GT(indexes.size(), 2u);
  std::filesystem::remove(indexes[0]);
  std::filesystem::remove(files_with_suffix(log_dir(), ".timeindex")[1]);
  auto log = open(config);
  EXPECT_GE(log->recovery().indexes_rebuilt, 2u);
  EXPECT_EQ(read_all_batches(*log), written);
  EXPECT_GT(std::filesystem::file_size(files_with_suffix(log_dir(), ".index")[0]), 0u);
  EXPECT_EQ((*log->offset_for_timestamp(1050))->offset, 200);
}

TEST_F(RecoveryTest, IndexPointingPastTheLogIsRebuilt) {
  LogConfig config;
  config.segment_bytes = 32 * 1024;
  const auto written = write_and_crash(100, config);
  // A stale index: an entry whose position lies beyond the segment's end.
  std::string entry(8, '\0');
  store_be32(entry.data(), 999);
  store_be32(entry.data() + 4, 0x7fffffff);
  append_bytes(files_with_suffix(log_dir(), ".index")[0], entry);
  auto log = open(config);
  EXPECT_GE(log->recovery().indexes_rebuilt, 1u);
  EXPECT_EQ(read_all_batches(*log), written);
}

TEST_F(RecoveryTest, IndexOfAWholeNumberOfGarbageEntriesIsRebuilt) {
  LogConfig config;
  config.segment_bytes = 32 * 1024;
  const auto written = write_and_crash(100, config);
  const auto index = files_with_suffix(log_dir(), ".index")[1];
  std::filesystem::resize_file(index, 0);
  append_bytes(index, std::string(16, '\x11'));
  auto log = open(config);
  EXPECT_GE(log->recovery().indexes_rebuilt, 1u);
  EXPECT_EQ(read_all_batches(*log), written);
}

TEST_F(RecoveryTest, EmptyDirectoryOpensAsAnEmptyLog) {
  auto log = open();
  EXPECT_EQ(log->log_start_offset(), 0);
  EXPECT_EQ(log->log_end_offset(), 0);
  EXPECT_EQ(log->segment_count(), 1u);
}

TEST_F(RecoveryTest, GarbageOnlySegmentBecomesEmpty) {
  crash(open());
  append_bytes(newest_log_file(), std::string(5000, '\xff'));
  auto log = open();
  EXPECT_EQ(log->recovery().tail.truncated_bytes, 5000u);
  EXPECT_EQ(log->log_end_offset(), 0);
  EXPECT_TRUE(append_copy(*log, make_batch(1, 1, 1)).is_ok());
}

}  // namespace
}  // namespace sluice::storage
