// Idempotent producers: retries are recognised, gaps and stale epochs refused, and the
// state comes back from the log itself after a crash.
#include "storage/producer_state.h"

#include <gtest/gtest.h>

#include <limits>

#include "storage/format.h"
#include "storage/partition_log.h"
#include "storage/record_batch_builder.h"
#include "storage/test_util.h"

namespace sluice::storage {
namespace {

using testing::TempDir;

std::string idempotent_batch(int64_t producer_id, int16_t epoch, int32_t sequence, int records) {
  RecordBatchBuilder builder(1000);
  builder.set_producer(producer_id, epoch, sequence);
  for (int i = 0; i < records; ++i) builder.add("r" + std::to_string(sequence + i));
  return builder.build();
}

Result<AppendResult> append(PartitionLog& log, std::string batch) {
  return log.append(std::span<char>(batch.data(), batch.size()), 0);
}

TEST(ProducerState, SequencesWrapAtInt32Max) {
  EXPECT_EQ(next_sequence(std::numeric_limits<int32_t>::max()), 0);
  EXPECT_EQ(last_sequence_of(std::numeric_limits<int32_t>::max() - 1, 3), 1);
  EXPECT_EQ(last_sequence_of(10, 4), 14);
}

TEST(ProducerState, OnlyTheLastFiveBatchesAreRecognisedAsRetries) {
  ProducerStateTable table;
  for (int i = 0; i < 7; ++i) table.record(9, 0, {i * 10, i * 10 + 9, i * 10, i * 10 + 9});
  ProducerBatch original;
  EXPECT_EQ(table.check(9, 0, 20, 29, &original), SequenceVerdict::kDuplicate);
  EXPECT_EQ(original.base_offset, 20);
  EXPECT_EQ(table.check(9, 0, 10, 19, &original), SequenceVerdict::kOutOfOrder)
      << "the batch fell out of the retained five";
  EXPECT_EQ(table.check(9, 0, 70, 75, &original), SequenceVerdict::kAppend);
}

TEST(ProducerState, RetriedBatchGetsTheOriginalOffsetsAndIsNotWrittenTwice) {
  TempDir dir;
  auto log = PartitionLog::open(dir.path() / "p", LogConfig{});
  ASSERT_TRUE(log.is_ok());
  ASSERT_TRUE(append(**log, idempotent_batch(-1, -1, -1, 2)).is_ok());  // not idempotent
  auto first = append(**log, idempotent_batch(7, 0, 0, 3));
  auto second = append(**log, idempotent_batch(7, 0, 3, 2));
  ASSERT_TRUE(first.is_ok() && second.is_ok());
  EXPECT_EQ(first->base_offset, 2);
  auto retry = append(**log, idempotent_batch(7, 0, 0, 3));
  ASSERT_TRUE(retry.is_ok()) << retry.status().to_string();
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->base_offset, 2);
  EXPECT_EQ(retry->last_offset, 4);
  EXPECT_EQ((*log)->log_end_offset(), 7) << "the retry wrote nothing";
}

TEST(ProducerState, GapsStaleEpochsAndStrangersAreRefused) {
  TempDir dir;
  auto log = PartitionLog::open(dir.path() / "p", LogConfig{});
  ASSERT_TRUE(append(**log, idempotent_batch(7, 1, 0, 3)).is_ok());
  EXPECT_EQ(append(**log, idempotent_batch(7, 1, 5, 1)).status().code(),
            StatusCode::kOutOfOrderSequence);
  EXPECT_EQ(append(**log, idempotent_batch(7, 0, 3, 1)).status().code(),
            StatusCode::kProducerFenced);
  EXPECT_EQ(append(**log, idempotent_batch(8, 0, 42, 1)).status().code(),
            StatusCode::kUnknownProducer);
  EXPECT_EQ(append(**log, idempotent_batch(7, 2, 1, 1)).status().code(),
            StatusCode::kOutOfOrderSequence)
      << "a new epoch starts at sequence 0";
  auto bumped = append(**log, idempotent_batch(7, 2, 0, 1));
  ASSERT_TRUE(bumped.is_ok());
  EXPECT_EQ((*log)->log_end_offset(), 4);
}

TEST(ProducerState, StateIsRebuiltFromTheLogAfterACrash) {
  TempDir dir;
  {
    auto log = PartitionLog::open(dir.path() / "p", LogConfig{});
    ASSERT_TRUE(append(**log, idempotent_batch(7, 0, 0, 3)).is_ok());
    ASSERT_TRUE(append(**log, idempotent_batch(7, 0, 3, 3)).is_ok());
    ASSERT_TRUE((*log)->close().is_ok());
    std::filesystem::remove(dir.path() / "p" / format::kCleanShutdownFile);
  }
  auto log = PartitionLog::open(dir.path() / "p", LogConfig{});
  ASSERT_TRUE(log.is_ok());
  auto retry = append(**log, idempotent_batch(7, 0, 3, 3));
  ASSERT_TRUE(retry.is_ok());
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->base_offset, 3);
  EXPECT_EQ(append(**log, idempotent_batch(7, 0, 9, 1)).status().code(),
            StatusCode::kOutOfOrderSequence);
  EXPECT_TRUE(append(**log, idempotent_batch(7, 0, 6, 1)).is_ok());
}

}  // namespace
}  // namespace sluice::storage
