#include "cluster/replica_assignment.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace sluice::cluster {
namespace {

std::vector<AssignableBroker> brokers(int n, std::vector<std::string> racks = {}) {
  std::vector<AssignableBroker> out;
  for (int i = 0; i < n; ++i) {
    out.push_back({i + 1, racks.empty() ? "" : racks[static_cast<size_t>(i) % racks.size()]});
  }
  return out;
}

TEST(ReplicaAssignment, EveryPartitionGetsDistinctReplicasAndLeadersSpreadEvenly) {
  auto assigned = assign_replicas(brokers(3), 6, 3, 0);
  ASSERT_TRUE(assigned.is_ok()) << assigned.status().to_string();
  ASSERT_EQ(assigned->size(), 6u);
  std::map<int32_t, int> leaders;
  for (const auto& replicas : *assigned) {
    ASSERT_EQ(replicas.size(), 3u);
    EXPECT_EQ(std::set<int32_t>(replicas.begin(), replicas.end()).size(), 3u);
    ++leaders[replicas.front()];
  }
  EXPECT_EQ(leaders, (std::map<int32_t, int>{{1, 2}, {2, 2}, {3, 2}}));
}

TEST(ReplicaAssignment, FollowersShiftEveryRoundSoLeadersDoNotShareThem) {
  auto assigned = assign_replicas(brokers(4), 8, 2, 0);
  ASSERT_TRUE(assigned.is_ok());
  // Partitions 0 and 4 have the same leader; their followers differ.
  EXPECT_EQ((*assigned)[0].front(), (*assigned)[4].front());
  EXPECT_NE((*assigned)[0][1], (*assigned)[4][1]);
}

TEST(ReplicaAssignment, StartPicksTheFirstLeader) {
  auto assigned = assign_replicas(brokers(3), 1, 1, 2);
  ASSERT_TRUE(assigned.is_ok());
  EXPECT_EQ((*assigned)[0], (std::vector<int32_t>{3}));
}

TEST(ReplicaAssignment, ReplicasSpanRacksWhenBrokersNameThem) {
  // Racks a, a, b, b, c, c (brokers 1..6 in that order of racks a, b, c, a, b, c).
  auto assigned = assign_replicas(brokers(6, {"a", "b", "c"}), 12, 3, 5);
  ASSERT_TRUE(assigned.is_ok());
  const std::map<int32_t, std::string> rack{{1, "a"}, {2, "b"}, {3, "c"},
                                            {4, "a"}, {5, "b"}, {6, "c"}};
  for (const auto& replicas : *assigned) {
    std::set<std::string> racks;
    for (int32_t id : replicas) racks.insert(rack.at(id));
    EXPECT_EQ(racks.size(), 3u);
  }
}

TEST(ReplicaAssignment, MoreReplicasThanRacksStillFillsTheFactor) {
  auto assigned = assign_replicas(brokers(4, {"a", "b"}), 4, 3, 0);
  ASSERT_TRUE(assigned.is_ok());
  for (const auto& replicas : *assigned) {
    EXPECT_EQ(std::set<int32_t>(replicas.begin(), replicas.end()).size(), 3u);
  }
}

TEST(ReplicaAssignment, RefusesImpossibleFactorsAndCounts) {
  EXPECT_FALSE(assign_replicas(brokers(2), 1, 3, 0).is_ok());
  EXPECT_FALSE(assign_replicas(brokers(2), 1, 0, 0).is_ok());
  EXPECT_FALSE(assign_replicas(brokers(2), 0, 1, 0).is_ok());
  EXPECT_FALSE(assign_replicas({}, 1, 1, 0).is_ok());
}

}  // namespace
}  // namespace sluice::cluster
