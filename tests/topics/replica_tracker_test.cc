#include "topics/replica_tracker.h"

#include <gtest/gtest.h>

namespace sluice::topics {
namespace {

ReplicaSet three_replicas(std::vector<int32_t> isr, int64_t revision = 1) {
  ReplicaSet set;
  set.leader = 1;
  set.leader_epoch = 3;
  set.replicas = {1, 2, 3};
  set.isr = std::move(isr);
  set.state_revision = revision;
  set.min_insync = 2;
  return set;
}

TEST(ReplicaTracker, TheCommittedOffsetIsTheLeastDurablePositionOverTheIsr) {
  ReplicaTracker tracker(1);
  tracker.begin(three_replicas({1, 2, 3}), 0);
  // Followers that have not fetched in this term hold the high watermark back.
  EXPECT_EQ(tracker.committed_offset(100), -1);
  tracker.record_fetch(2, 80, 100, 10);
  EXPECT_EQ(tracker.committed_offset(100), -1);
  tracker.record_fetch(3, 90, 100, 10);
  EXPECT_EQ(tracker.committed_offset(100), 80);
  // The leader's own durable offset counts too.
  EXPECT_EQ(tracker.committed_offset(50), 50);
}

TEST(ReplicaTracker, AReplicaOutsideTheIsrIsNotWaitedFor) {
  ReplicaTracker tracker(1);
  tracker.begin(three_replicas({1, 2}), 0);
  tracker.record_fetch(2, 70, 100, 10);
  EXPECT_EQ(tracker.committed_offset(100), 70);
  tracker.record_fetch(3, 5, 100, 10);
  EXPECT_EQ(tracker.committed_offset(100), 70);
}

TEST(ReplicaTracker, ALaggingFollowerIsAskedOutAndACaughtUpOneIn) {
  ReplicaTracker tracker(1);
  tracker.begin(three_replicas({1, 2, 3}), 1000);
  tracker.record_fetch(2, 100, 100, 1000);  // caught up
  tracker.record_fetch(3, 10, 100, 1000);   // behind, and never reaches the leader's end
  EXPECT_FALSE(tracker.wanted_isr(1500, 1000, 10, 0));
  tracker.record_fetch(2, 100, 100, 2400);
  auto shrink = tracker.wanted_isr(2500, 1000, 10, 0);
  ASSERT_TRUE(shrink);
  EXPECT_EQ(*shrink, (std::vector<int32_t>{1, 2}));
  tracker.set_pending(*shrink, 2500);
  EXPECT_FALSE(tracker.wanted_isr(2600, 1000, 10, 0));  // asked already
  // Until the store shows the change, the follower still counts.
  EXPECT_EQ(tracker.committed_offset(100), 10);
  tracker.update(three_replicas({1, 2}, 2));
  EXPECT_EQ(tracker.committed_offset(100), 100);
  // It catches up to the high watermark and this leader's epoch: asked back in, and
  // counted from the moment it is asked for.
  tracker.record_fetch(3, 100, 120, 3000);
  auto grow = tracker.wanted_isr(3000, 1000, 100, 50);
  ASSERT_TRUE(grow);
  EXPECT_EQ(*grow, (std::vector<int32_t>{1, 2, 3}));
  tracker.set_pending(*grow, 3000);
  tracker.record_fetch(2, 110, 120, 3000);
  EXPECT_EQ(tracker.committed_offset(120), 100);
}

TEST(ReplicaTracker, AFollowerBelowTheEpochStartStaysOut) {
  ReplicaTracker tracker(1);
  tracker.begin(three_replicas({1, 2}), 0);
  tracker.record_fetch(2, 40, 40, 10);
  tracker.record_fetch(3, 30, 40, 10);
  EXPECT_FALSE(tracker.wanted_isr(20, 1000, 30, 35));
}

TEST(ReplicaTracker, EveryRequestedMemberCountsUntilTheStateChanges) {
  ReplicaTracker tracker(1);
  tracker.begin(three_replicas({1, 2}), 0);
  tracker.record_fetch(2, 100, 100, 10);
  tracker.record_fetch(3, 100, 100, 10);
  tracker.set_pending({1, 2, 3}, 10);
  tracker.set_pending({1, 2}, 20);  // replaced, but the first may still be applied
  tracker.record_fetch(3, 100, 200, 30);
  tracker.record_fetch(2, 200, 200, 30);
  EXPECT_EQ(tracker.committed_offset(200), 100);
  tracker.update(three_replicas({1, 2}, 2));
  EXPECT_EQ(tracker.committed_offset(200), 200);
}

TEST(ReplicaTracker, CaughtUpFollowsKafkasRule) {
  ReplicaTracker tracker(1);
  tracker.begin(three_replicas({1, 2, 3}), 0);
  tracker.record_fetch(3, 100, 100, 500);  // keeps 3 in
  tracker.record_fetch(2, 50, 100, 500);   // behind; the leader's end was 100
  tracker.record_fetch(2, 100, 150, 900);  // reached the previous end: caught up as of 500
  EXPECT_FALSE(tracker.wanted_isr(1400, 1000, 0, 0));
  tracker.record_fetch(3, 150, 150, 1400);
  auto shrink = tracker.wanted_isr(1600, 1000, 0, 0);
  ASSERT_TRUE(shrink);
  EXPECT_EQ(*shrink, (std::vector<int32_t>{1, 3}));
}

}  // namespace
}  // namespace sluice::topics
