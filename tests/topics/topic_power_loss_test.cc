// Topic metadata, partitions, producer ids and committed offsets under power loss, cut before
// every operation of a workload on the fault-injecting file system.
#include <gtest/gtest.h>

#include <map>

#include "common/fault_injecting_file_system.h"
#include "groups/offset_store.h"
#include "storage/record_batch_builder.h"
#include "topics/producer_id_allocator.h"
#include "topics/topic_manager.h"

namespace sluice::topics {
namespace {

using sluice::testing::FaultInjectingFileSystem;

const std::filesystem::path kData = "/data";

struct Outcome {
  bool created_a = false, created_b = false, deleted_a = false;
  int produced_b = 0;  // acknowledged appends to b/0
  int attempted_b = 0;
  int64_t producer_id = -1;              // the last id handed out
  std::map<int32_t, int64_t> committed;  // partition -> last acknowledged offset
  std::map<int32_t, int64_t> attempted;  // partition -> last offset tried
  bool removed_h = false;                // group h's offsets deleted, acknowledged
};

TopicDefaults defaults() {
  TopicDefaults defaults;
  defaults.log.segment_bytes = 2048;
  return defaults;
}

Status produce(Partition& partition, int i) {
  std::string batch =
      storage::RecordBatchBuilder(1000 + i).add("value-" + std::to_string(i)).build();
  // Acknowledged once durable: the append returns when written, its ticket when synced.
  auto pending = partition.append(std::span<char>(batch.data(), batch.size()));
  if (!pending.is_ok()) return pending.status();
  return pending->durable.wait();
}

void run_workload(FaultInjectingFileSystem& fs, Outcome* out) {
  auto topics = TopicManager::open(kData / "topics", defaults(), fs);
  if (!topics.is_ok()) return;
  auto offsets = groups::OffsetStore::open(kData / "offsets", storage::LogConfig{}, fs);
  if (!offsets.is_ok()) return;
  auto ids = ProducerIdAllocator::open(kData / "producer-ids", fs);
  if (!ids.is_ok()) return;
  if (!(*topics)->create_topic("a", 2, {}).is_ok()) return;
  out->created_a = true;
  if (!produce(*(*topics)->partition("a", 0), 0).is_ok()) return;
  if (!(*offsets)->commit("h", {{{"a", 0}, {1, -1, 0, ""}}}).is_ok()) return;
  if (!(*topics)->create_topic("b", 1, {}).is_ok()) return;
  out->created_b = true;
  for (int i = 0; i < 10; ++i) {
    ++out->attempted_b;
    if (!produce(*(*topics)->partition("b", 0), i).is_ok()) return;
    ++out->produced_b;
    const int32_t partition = i % 3;
    out->attempted[partition] = i;
    if (!(*offsets)->commit("g", {{{"b", partition}, {i, -1, 0, ""}}}).is_ok()) return;
    out->committed[partition] = i;
    if (i == 4) {
      if (!(*topics)->delete_topic("a").is_ok()) return;
      out->deleted_a = true;
      if (!(*offsets)->remove("h", {}).is_ok()) return;
      out->removed_h = true;
      auto id = (*ids)->next();
      if (!id.is_ok()) return;
      out->producer_id = *id;
    }
  }
}

void expect_recovered(FaultInjectingFileSystem& fs, const Outcome& outcome) {
  auto topics = TopicManager::open(kData / "topics", defaults(), fs);
  ASSERT_TRUE(topics.is_ok()) << topics.status().to_string();
  if (outcome.deleted_a) {
    EXPECT_FALSE((*topics)->topic("a").has_value()) << "deleted topic back";
  }
  if (outcome.created_a && !outcome.deleted_a) {
    auto a = (*topics)->topic("a");
    ASSERT_TRUE(a.has_value()) << "acknowledged topic lost";
    EXPECT_EQ(a->partitions, 2);
  }
  if (outcome.created_b) {
    ASSERT_TRUE((*topics)->topic("b").has_value()) << "acknowledged topic lost";
    const auto& log = (*topics)->partition("b", 0)->log();
    EXPECT_GE(log.log_end_offset(), outcome.produced_b);
    EXPECT_LE(log.log_end_offset(), outcome.attempted_b);
  }
  auto offsets = groups::OffsetStore::open(kData / "offsets", storage::LogConfig{}, fs);
  ASSERT_TRUE(offsets.is_ok()) << offsets.status().to_string();
  for (const auto& [partition, offset] : outcome.committed) {
    auto got = (*offsets)->fetch("g", {"b", partition});
    ASSERT_TRUE(got.has_value()) << "committed offset lost, partition " << partition;
    EXPECT_GE(got->offset, offset);
    EXPECT_LE(got->offset, outcome.attempted.at(partition));
  }
  if (outcome.removed_h) {
    EXPECT_TRUE((*offsets)->fetch_all("h").empty()) << "deleted offsets back";
  }
  auto ids = ProducerIdAllocator::open(kData / "producer-ids", fs);
  ASSERT_TRUE(ids.is_ok()) << ids.status().to_string();
  auto next = (*ids)->next();
  ASSERT_TRUE(next.is_ok());
  if (outcome.producer_id >= 0) {
    EXPECT_GT(*next, outcome.producer_id) << "producer id reused";
  }
}

TEST(TopicPowerLossTest, TopicsProducesOffsetsAndProducerIdsSurviveACutAtEveryOperation) {
  uint64_t total = 0;
  {
    FaultInjectingFileSystem fs;
    Outcome outcome;
    run_workload(fs, &outcome);
    ASSERT_EQ(outcome.produced_b, 10);
    ASSERT_TRUE(outcome.deleted_a && outcome.removed_h);
    total = fs.operations();
  }
  ASSERT_GT(total, 100u);
  for (uint64_t cut = 1; cut <= total + 1; ++cut) {
    SCOPED_TRACE("power lost before operation " + std::to_string(cut));
    FaultInjectingFileSystem fs;
    fs.lose_power_before_operation(cut);
    Outcome outcome;
    run_workload(fs, &outcome);
    fs.power_on();
    expect_recovered(fs, outcome);
    if (::testing::Test::HasFailure()) break;
  }
}

}  // namespace
}  // namespace sluice::topics
