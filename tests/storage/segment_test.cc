#include "storage/segment.h"

#include <gtest/gtest.h>

#include "storage/record_batch.h"
#include "storage/test_util.h"

namespace sluice::storage {
namespace {

using testing::make_batch;
using testing::TempDir;

// Appends batches of `records` records at consecutive offsets from the segment's base.
void fill(Segment& segment, int batches, int records, size_t value_size) {
  int64_t next = segment.base_offset();
  for (int i = 0; i < batches; ++i) {
    std::string bytes = make_batch(records, value_size, 100 + i, i);
    stamp_base_offset(bytes.data(), next);
    const BatchInfo info{next, next + records - 1, 100 + i, static_cast<uint32_t>(bytes.size())};
    ASSERT_TRUE(segment.append(bytes, {info}).is_ok());
    next += records;
  }
}

TEST(Segment, FileNamesAreTwentyDigitBaseOffsets) {
  EXPECT_EQ(segment_file_name(0, ".log"), "00000000000000000000.log");
  EXPECT_EQ(segment_file_name(1234567, ".index"), "00000000000001234567.index");
}

TEST(Segment, CreatingAnExistingSegmentFails) {
  TempDir dir;
  ASSERT_TRUE(Segment::create(FileSystem::posix(), dir.path(), 5).is_ok());
  EXPECT_EQ(Segment::create(FileSystem::posix(), dir.path(), 5).status().code(),
            StatusCode::kAlreadyExists);
}

TEST(Segment, LocateFindsTheBatchHoldingEveryOffset) {
  TempDir dir;
  auto segment = Segment::create(FileSystem::posix(), dir.path(), 1000);
  ASSERT_TRUE(segment.is_ok());
  fill(**segment, 300, 3, 150);  // ~500 B per batch: an index entry every ~8 batches
  EXPECT_EQ((*segment)->next_offset(), 1900);
  EXPECT_EQ((*segment)->max_timestamp(), 399);
  EXPECT_EQ((*segment)->first_batch_timestamp(), 100);
  for (int64_t offset = 1000; offset < 1900; ++offset) {
    auto location = (*segment)->locate(offset, (*segment)->size());
    ASSERT_TRUE(location.is_ok() && location->has_value()) << offset;
    EXPECT_EQ((*location)->base_offset, offset - (offset - 1000) % 3) << offset;
  }
  auto past = (*segment)->locate(1900, (*segment)->size());
  ASSERT_TRUE(past.is_ok());
  EXPECT_FALSE(past->has_value());
}

TEST(Segment, TrustedReopenRestoresStateFromIndexesAndTail) {
  TempDir dir;
  uint64_t size;
  {
    auto segment = Segment::create(FileSystem::posix(), dir.path(), 0);
    fill(**segment, 100, 2, 300);
    size = (*segment)->size();
  }
  SegmentRecovery recovery;
  auto segment = Segment::open_trusted(FileSystem::posix(), dir.path(), 0, &recovery);
  ASSERT_TRUE(segment.is_ok()) << segment.status().to_string();
  EXPECT_FALSE(recovery.indexes_rebuilt);
  EXPECT_EQ((*segment)->size(), size);
  EXPECT_EQ((*segment)->next_offset(), 200);
  EXPECT_EQ((*segment)->max_timestamp(), 199);
}

TEST(Segment, TruncateKeepsBatchesBelowTheOffset) {
  TempDir dir;
  auto segment = Segment::create(FileSystem::posix(), dir.path(), 0);
  fill(**segment, 100, 2, 300);
  ASSERT_TRUE((*segment)->truncate_to(101).is_ok());
  EXPECT_EQ((*segment)->next_offset(), 100);
  EXPECT_EQ((*segment)->max_timestamp(), 149);
  fill(**segment, 0, 1, 1);
  SegmentRecovery recovery;
  auto reopened = Segment::open_and_recover(FileSystem::posix(), dir.path(), 0, &recovery);
  ASSERT_TRUE(reopened.is_ok());
  EXPECT_EQ(recovery.truncated_bytes, 0u);
  EXPECT_EQ((*reopened)->next_offset(), 100);
}

}  // namespace
}  // namespace sluice::storage
