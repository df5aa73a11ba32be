#include "storage/record_reader.h"

#include <gtest/gtest.h>

#include "common/coding.h"
#include "storage/record_batch_builder.h"

namespace sluice::storage {
namespace {

TEST(RecordReader, ReadsBackWhatTheBuilderWrote) {
  RecordBatchBuilder builder(1000);
  builder.add("k1", "v1", 1000, {{"h1", std::string("x")}, {"h2", std::nullopt}})
      .add(std::nullopt, std::nullopt, 1007)
      .add("k3", "", 1003);
  std::string bytes = builder.build();
  stamp_base_offset(bytes.data(), 40);
  auto records = read_records(*RecordBatchView::parse(bytes));
  ASSERT_TRUE(records.is_ok()) << records.status().to_string();
  ASSERT_EQ(records->size(), 3u);
  const auto& first = (*records)[0];
  EXPECT_EQ(first.offset, 40);
  EXPECT_EQ(first.timestamp, 1000);
  EXPECT_EQ(first.key, "k1");
  EXPECT_EQ(first.value, "v1");
  ASSERT_EQ(first.headers.size(), 2u);
  EXPECT_EQ(first.headers[0].key, "h1");
  EXPECT_EQ(first.headers[0].value, "x");
  EXPECT_EQ(first.headers[1].value, std::nullopt);
  EXPECT_EQ((*records)[1].key, std::nullopt);
  EXPECT_EQ((*records)[1].value, std::nullopt);
  EXPECT_EQ((*records)[1].timestamp, 1007);
  EXPECT_EQ((*records)[2].offset, 42);
  EXPECT_EQ((*records)[2].value, "");
}

TEST(RecordReader, CompressedBatchesAreNotOpened) {
  std::string bytes = RecordBatchBuilder(1).add("v").build();
  store_be16(bytes.data() + format::kAttributesPos, 1);  // gzip
  auto records = read_records(*RecordBatchView::parse(bytes));
  ASSERT_FALSE(records.is_ok());
  EXPECT_EQ(records.status().code(), StatusCode::kInvalidArgument);
}

TEST(RecordReader, ACountLargerThanTheBatchIsCorruption) {
  std::string bytes = RecordBatchBuilder(1).add("v").build();
  store_be32(bytes.data() + format::kRecordCountPos, 0x7fffffff);
  auto records = read_records(*RecordBatchView::parse(bytes));
  ASSERT_FALSE(records.is_ok());
  EXPECT_EQ(records.status().code(), StatusCode::kCorruption);
}

TEST(RecordReader, EveryTruncationOfARecordIsCorruption) {
  std::string bytes =
      RecordBatchBuilder(1).add("key", "value", 1, {{"h", std::string("v")}}).build();
  for (size_t cut = format::kBatchHeaderSize; cut < bytes.size(); ++cut) {
    std::string truncated = bytes.substr(0, cut);
    store_be32(truncated.data() + format::kBatchLengthPos,
               static_cast<uint32_t>(cut - format::kLogOverhead));
    auto records = read_records(*RecordBatchView::parse(truncated));
    EXPECT_FALSE(records.is_ok()) << cut;
  }
}

}  // namespace
}  // namespace sluice::storage
