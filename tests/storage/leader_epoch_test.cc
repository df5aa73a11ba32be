// The leader-epoch cache, follower appends and truncation by epoch.
#include <gtest/gtest.h>

#include "storage/format.h"
#include "storage/leader_epoch_cache.h"
#include "storage/partition_log.h"
#include "storage/record_batch.h"
#include "storage/test_util.h"

namespace sluice::storage {
namespace {

using testing::append_copy;
using testing::make_batch;
using testing::read_all_batches;
using testing::TempDir;

std::unique_ptr<PartitionLog> open_log(const std::filesystem::path& dir) {
  auto log = PartitionLog::open(dir, LogConfig{});
  EXPECT_TRUE(log.is_ok()) << log.status().to_string();
  return log.is_ok() ? std::move(*log) : nullptr;
}

// A batch as a leader wrote it: offsets and epoch stamped.
std::string leader_batch(int records, int64_t base_offset, int32_t epoch, uint64_t seed = 0) {
  std::string batch = make_batch(records, 10, 1000 + base_offset, seed);
  stamp_base_offset(batch.data(), base_offset);
  stamp_leader_epoch(batch.data(), epoch);
  return batch;
}

Result<PendingAppend> replicate(PartitionLog& log, const std::string& bytes) {
  return log.append_replicated(std::span<const char>(bytes.data(), bytes.size()));
}

TEST(LeaderEpochCache, AnswersAsKafkaDoes) {
  TempDir dir;
  bool found = true;
  auto cache = LeaderEpochCache::load(FileSystem::posix(), dir.path() / "epochs", &found);
  ASSERT_TRUE(cache.is_ok());
  EXPECT_FALSE(found);
  EXPECT_EQ(cache->end_offset_for(0, 10), EpochEndOffset{});  // empty: undefined
  ASSERT_TRUE(cache->assign(1, 0).is_ok());
  ASSERT_TRUE(cache->assign(3, 100).is_ok());
  ASSERT_TRUE(cache->assign(5, 250).is_ok());
  EXPECT_EQ(cache->end_offset_for(5, 300), (EpochEndOffset{5, 300}));  // latest: log end
  EXPECT_EQ(cache->end_offset_for(3, 300), (EpochEndOffset{3, 250}));
  EXPECT_EQ(cache->end_offset_for(4, 300), (EpochEndOffset{3, 250}));  // floor epoch
  EXPECT_EQ(cache->end_offset_for(0, 300), (EpochEndOffset{0, 0}));    // below the first
  EXPECT_EQ(cache->end_offset_for(6, 300), EpochEndOffset{});          // newer than any
  EXPECT_EQ(cache->end_offset_for(-1, 300), EpochEndOffset{});
}

TEST(LeaderEpochCache, AssignReplacesConflictingEntries) {
  TempDir dir;
  bool found = false;
  auto cache = LeaderEpochCache::load(FileSystem::posix(), dir.path() / "epochs", &found);
  ASSERT_TRUE(cache->assign(1, 0).is_ok());
  ASSERT_TRUE(cache->assign(2, 10).is_ok());
  ASSERT_TRUE(cache->assign(2, 10).is_ok());  // no-op
  ASSERT_TRUE(cache->assign(2, 20).is_ok());  // a later start for the same epoch: no-op
  EXPECT_EQ(cache->entries(), (std::vector<EpochEntry>{{1, 0}, {2, 10}}));
  ASSERT_TRUE(cache->assign(3, 5).is_ok());  // starts below epoch 2's start: 2 goes
  EXPECT_EQ(cache->entries(), (std::vector<EpochEntry>{{1, 0}, {3, 5}}));
}

TEST(LeaderEpochCache, TruncatesFromBothEndsAndSurvivesReload) {
  TempDir dir;
  const auto file = dir.path() / "epochs";
  {
    bool found = false;
    auto cache = LeaderEpochCache::load(FileSystem::posix(), file, &found);
    ASSERT_TRUE(cache->assign(0, 0).is_ok());
    ASSERT_TRUE(cache->assign(2, 10).is_ok());
    ASSERT_TRUE(cache->assign(4, 30).is_ok());
    ASSERT_TRUE(cache->truncate_from_end(30).is_ok());
    ASSERT_TRUE(cache->truncate_from_start(15).is_ok());
  }
  bool found = false;
  auto cache = LeaderEpochCache::load(FileSystem::posix(), file, &found);
  ASSERT_TRUE(cache.is_ok());
  EXPECT_TRUE(found);
  EXPECT_EQ(cache->entries(), (std::vector<EpochEntry>{{2, 15}}));
}

TEST(LeaderEpochCache, RejectsMalformedCheckpoints) {
  for (const char* text : {"", "1\n0\n", "0\n2\n0 0\n", "0\n2\n3 10\n2 20\n", "0\n1\n0 0\nx",
                           "0\n1\n-1 0\n", "0\n99999999999\n"}) {
    EXPECT_FALSE(LeaderEpochCache::decode(text).is_ok()) << text;
  }
  auto ok = LeaderEpochCache::decode(LeaderEpochCache::encode({{0, 0}, {7, 42}}));
  ASSERT_TRUE(ok.is_ok());
  EXPECT_EQ(*ok, (std::vector<EpochEntry>{{0, 0}, {7, 42}}));
}

TEST(LeaderEpochs, LeaderAppendsStartEpochsThatSurviveRestart) {
  TempDir dir;
  const auto path = dir.path() / "p";
  {
    auto log = open_log(path);
    ASSERT_TRUE(append_copy(*log, make_batch(3, 10, 1), 0).is_ok());
    ASSERT_TRUE(append_copy(*log, make_batch(2, 10, 2), 2).is_ok());
    ASSERT_TRUE(append_copy(*log, make_batch(2, 10, 3), 2).is_ok());
    // A deposed leader's epoch is refused.
    auto stale = append_copy(*log, make_batch(1, 10, 4), 1);
    EXPECT_EQ(stale.status().code(), StatusCode::kFailedPrecondition);
    ASSERT_TRUE(log->assign_epoch(5, log->log_end_offset()).is_ok());  // taking over
    EXPECT_EQ(log->end_offset_for_epoch(2), (EpochEndOffset{2, 7}));
  }
  auto log = open_log(path);
  EXPECT_EQ(log->epoch_entries(), (std::vector<EpochEntry>{{0, 0}, {2, 3}, {5, 7}}));
  EXPECT_EQ(log->end_offset_for_epoch(0), (EpochEndOffset{0, 3}));
  EXPECT_EQ(log->end_offset_for_epoch(5), (EpochEndOffset{5, 7}));
}

TEST(LeaderEpochs, CacheIsRebuiltFromBatchHeadersWhenItsFileIsMissing) {
  TempDir dir;
  const auto path = dir.path() / "p";
  {
    auto log = open_log(path);
    ASSERT_TRUE(append_copy(*log, make_batch(3, 10, 1), 1).is_ok());
    ASSERT_TRUE(append_copy(*log, make_batch(2, 10, 2), 4).is_ok());
  }
  std::filesystem::remove(path / format::kLeaderEpochFile);
  auto log = open_log(path);
  EXPECT_EQ(log->epoch_entries(), (std::vector<EpochEntry>{{1, 0}, {4, 3}}));
}

TEST(FollowerAppend, WritesBatchesUnchangedAndLearnsTheirEpochs) {
  TempDir dir;
  auto log = open_log(dir.path() / "p");
  const std::string bytes =
      leader_batch(2, 0, 3, 1) + leader_batch(3, 2, 3, 2) + leader_batch(1, 5, 6, 3);
  auto appended = replicate(*log, bytes);
  ASSERT_TRUE(appended.is_ok()) << appended.status().to_string();
  EXPECT_EQ(appended->result.base_offset, 0);
  EXPECT_EQ(appended->result.last_offset, 5);
  EXPECT_TRUE(appended->durable.wait().is_ok());
  EXPECT_EQ(log->log_end_offset(), 6);
  EXPECT_EQ(log->epoch_entries(), (std::vector<EpochEntry>{{3, 0}, {6, 5}}));
  std::string stored;
  for (const auto& batch : read_all_batches(*log)) stored += batch;
  EXPECT_EQ(stored, bytes);  // byte for byte what the leader wrote
}

TEST(FollowerAppend, RefusesGapsOverlapsAndOlderEpochsAndWritesNothing) {
  TempDir dir;
  auto log = open_log(dir.path() / "p");
  ASSERT_TRUE(replicate(*log, leader_batch(2, 0, 2)).is_ok());
  const struct {
    std::string bytes;
    const char* why;
  } bad[] = {
      {leader_batch(1, 3, 2), "gap"},
      {leader_batch(1, 1, 2), "overlap"},
      {leader_batch(1, 2, 1), "older epoch than the cache's latest"},
      {leader_batch(1, 2, 4) + leader_batch(1, 3, 3), "epoch going down"},
      {leader_batch(1, 2, 2) + leader_batch(1, 4, 2), "gap between batches"},
  };
  for (const auto& item : bad) {
    auto appended = replicate(*log, item.bytes);
    EXPECT_EQ(appended.status().code(), StatusCode::kInvalidArgument) << item.why;
    EXPECT_EQ(log->log_end_offset(), 2) << item.why;
  }
  EXPECT_EQ(log->epoch_entries(), (std::vector<EpochEntry>{{2, 0}}));
  std::string corrupt = leader_batch(1, 2, 2);
  corrupt.back() ^= 1;
  EXPECT_EQ(replicate(*log, corrupt).status().code(), StatusCode::kCorruption);
}

TEST(FollowerAppend, TruncationByEpochCutsWhereTheLeaderDiverged) {
  // The follower has epochs 1 (0..4) and 2 (5..9); the new leader never saw epoch 2: it has
  // epoch 1 up to offset 7 and then epoch 3.
  TempDir dir;
  auto log = open_log(dir.path() / "p");
  ASSERT_TRUE(replicate(*log, leader_batch(5, 0, 1) + leader_batch(5, 5, 2)).is_ok());
  // The follower asks for the end of its latest epoch, 2; the leader answers with its floor
  // epoch 1, which ends at 7.
  auto first = log->truncate_to_epoch_end(1, 7);
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  // Locally epoch 1 ends at 5: cut there, the leader's batches from 5 on replace ours.
  EXPECT_EQ(first->end_offset, 5);
  EXPECT_TRUE(first->complete);
  EXPECT_EQ(log->epoch_entries(), (std::vector<EpochEntry>{{1, 0}}));
  ASSERT_TRUE(replicate(*log, leader_batch(3, 5, 1) + leader_batch(2, 8, 3)).is_ok());
  EXPECT_EQ(log->epoch_entries(), (std::vector<EpochEntry>{{1, 0}, {3, 8}}));

  // A leader epoch this log never had: cut to where its own older epoch ends, not complete.
  TempDir other;
  auto stale = open_log(other.path() / "p");
  ASSERT_TRUE(replicate(*stale, leader_batch(4, 0, 1) + leader_batch(4, 4, 4)).is_ok());
  auto answer = stale->truncate_to_epoch_end(2, 6);
  ASSERT_TRUE(answer.is_ok());
  EXPECT_EQ(answer->end_offset, 4);
  EXPECT_FALSE(answer->complete);
}

}  // namespace
}  // namespace sluice::storage
