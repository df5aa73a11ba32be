#include "storage/record_batch.h"

#include <gtest/gtest.h>

#include <climits>

#include "common/coding.h"
#include "storage/format.h"
#include "storage/record_batch_builder.h"
#include "storage/test_util.h"

namespace sluice::storage {
namespace {

using testing::make_batch;

TEST(RecordBatch, BuiltBatchParsesWithTheFieldsItWasGiven) {
  RecordBatchBuilder builder(1000);
  builder.set_producer(77, 3, 12);
  builder.add("k1", "v1", 1000).add(std::nullopt, "v2", 1005).add("k3", std::nullopt, 1002);
  const std::string bytes = builder.build();
  auto batch = RecordBatchView::parse(bytes);
  ASSERT_TRUE(batch.is_ok()) << batch.status().to_string();
  EXPECT_EQ(batch->size(), bytes.size());
  EXPECT_EQ(batch->magic(), 2);
  EXPECT_EQ(batch->record_count(), 3);
  EXPECT_EQ(batch->last_offset_delta(), 2);
  EXPECT_EQ(batch->base_timestamp(), 1000);
  EXPECT_EQ(batch->max_timestamp(), 1005);
  EXPECT_EQ(batch->producer_id(), 77);
  EXPECT_EQ(batch->producer_epoch(), 3);
  EXPECT_EQ(batch->base_sequence(), 12);
  EXPECT_EQ(batch->compression(), 0);
  EXPECT_TRUE(batch->crc_matches());
}

TEST(RecordBatch, FlippedByteFailsCrc) {
  std::string bytes = make_batch(5, 100, 1);
  bytes[bytes.size() - 3] ^= 0x40;
  auto split = split_batches(bytes, INT32_MAX);
  ASSERT_FALSE(split.is_ok());
  EXPECT_EQ(split.status().code(), StatusCode::kCorruption);
  EXPECT_NE(split.status().message().find("CRC mismatch"), std::string::npos);
}

TEST(RecordBatch, WrongMagicIsRejected) {
  std::string bytes = make_batch(1, 10, 1);
  bytes[format::kMagicPos] = 1;
  auto parsed = RecordBatchView::parse(bytes);
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kCorruption);
  EXPECT_NE(parsed.status().message().find("magic 1"), std::string::npos);
}

TEST(RecordBatch, TruncatedBatchIsRejected) {
  const std::string bytes = make_batch(3, 50, 1);
  for (size_t keep : {size_t{0}, size_t{11}, size_t{60}, bytes.size() - 1}) {
    auto split = split_batches(std::string_view(bytes).substr(0, keep), INT32_MAX);
    ASSERT_FALSE(split.is_ok()) << keep;
    EXPECT_EQ(split.status().code(),
              keep == 0 ? StatusCode::kInvalidArgument : StatusCode::kCorruption);
  }
}

TEST(RecordBatch, HugeAndNegativeLengthFieldsAreRejectedWithoutAllocating) {
  std::string bytes = make_batch(1, 10, 1);
  for (uint32_t length : {0x80000000u, 0x7fffffffu, 0xffffffffu, 0u, 48u}) {
    store_be32(bytes.data() + format::kBatchLengthPos, length);
    auto split = split_batches(bytes, INT32_MAX);
    ASSERT_FALSE(split.is_ok()) << length;
    EXPECT_EQ(split.status().code(), StatusCode::kCorruption) << length;
  }
}

TEST(RecordBatch, OversizedBatchIsTooLarge) {
  const std::string bytes = make_batch(10, 100, 1);
  auto split = split_batches(bytes, 100);
  ASSERT_FALSE(split.is_ok());
  EXPECT_EQ(split.status().code(), StatusCode::kTooLarge);
}

TEST(RecordBatch, SplitsBackToBackBatches) {
  const std::string bytes = make_batch(2, 10, 1) + make_batch(3, 20, 2) + make_batch(1, 5, 3);
  auto split = split_batches(bytes, INT32_MAX);
  ASSERT_TRUE(split.is_ok());
  ASSERT_EQ(split->size(), 3u);
  EXPECT_EQ((*split)[1].record_count(), 3);
}

TEST(RecordBatch, GarbageAfterAValidBatchIsRejected) {
  const std::string bytes = make_batch(2, 10, 1) + "garbage";
  auto split = split_batches(bytes, INT32_MAX);
  ASSERT_FALSE(split.is_ok());
  EXPECT_NE(split.status().message().find("batch 1"), std::string::npos);
}

TEST(RecordBatch, StampingOffsetAndEpochKeepsTheCrcValid) {
  std::string bytes = make_batch(4, 10, 1);
  stamp_base_offset(bytes.data(), 123456789);
  stamp_leader_epoch(bytes.data(), 42);
  auto batch = RecordBatchView::parse(bytes);
  ASSERT_TRUE(batch.is_ok());
  EXPECT_EQ(batch->base_offset(), 123456789);
  EXPECT_EQ(batch->last_offset(), 123456792);
  EXPECT_EQ(batch->leader_epoch(), 42);
  EXPECT_TRUE(batch->crc_matches());
}

TEST(RecordBatch, LogAppendTimeStampRecomputesTheCrc) {
  std::string bytes = make_batch(4, 10, 1);
  stamp_log_append_time(bytes.data(), bytes.size(), 99999);
  auto batch = RecordBatchView::parse(bytes);
  ASSERT_TRUE(batch.is_ok());
  EXPECT_TRUE(batch->has_log_append_time());
  EXPECT_EQ(batch->max_timestamp(), 99999);
  EXPECT_TRUE(batch->crc_matches());
}

TEST(RecordBatch, FindsTheFirstRecordAtOrAfterATimestamp) {
  RecordBatchBuilder builder(100);
  builder.add(std::nullopt, "a", 100).add(std::nullopt, "b", 150).add(std::nullopt, "c", 120);
  std::string bytes = builder.build();
  stamp_base_offset(bytes.data(), 10);
  auto batch = RecordBatchView::parse(bytes);
  ASSERT_TRUE(batch.is_ok());
  using Found = std::optional<TimestampedOffset>;
  EXPECT_EQ(*batch->first_record_at_or_after(50), Found({10, 100}));
  EXPECT_EQ(*batch->first_record_at_or_after(101), Found({11, 150}));
  EXPECT_EQ(*batch->first_record_at_or_after(150), Found({11, 150}));
  EXPECT_EQ(*batch->first_record_at_or_after(151), std::nullopt);
}

}  // namespace
}  // namespace sluice::storage
