#include "groups/group_coordinator.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <optional>

namespace sluice::groups {
namespace {

class GroupCoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "sluice-groups-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto store = OffsetStore::open(dir_ / "offsets", storage::LogConfig{});
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    offsets_ = std::move(*store);
    GroupConfig config;
    config.initial_rebalance_delay_ms = 100;
    coordinator_ = std::make_unique<GroupCoordinator>(*offsets_, config);
  }
  void TearDown() override {
    coordinator_.reset();
    offsets_.reset();
    std::filesystem::remove_all(dir_);
  }

  JoinRequest join_request(const std::string& member_id, const std::string& protocol = "range") {
    JoinRequest request;
    request.group_id = "g";
    request.member_id = member_id;
    request.protocol_type = "consumer";
    request.protocols = {{protocol, "subscription-of-" + member_id}};
    request.session_timeout_ms = 10000;
    request.rebalance_timeout_ms = 30000;
    request.client_id = "client";
    return request;
  }

  // Starts a join; the result lands in *out when the coordinator answers.
  void join(const JoinRequest& request, std::optional<JoinResult>* out) {
    coordinator_->join(request, now_, [out](JoinResult result) { *out = std::move(result); });
  }

  void sync(const std::string& member, int32_t generation,
            std::map<std::string, std::string> assignments, std::optional<SyncResult>* out) {
    SyncRequest request{"g", generation, member, std::nullopt, std::move(assignments)};
    coordinator_->sync(request, now_, [out](SyncResult result) { *out = std::move(result); });
  }

  std::filesystem::path dir_;
  std::unique_ptr<OffsetStore> offsets_;
  std::unique_ptr<GroupCoordinator> coordinator_;
  int64_t now_ = 1'000'000;
};

TEST_F(GroupCoordinatorTest, FirstJoinWaitsOutTheInitialDelayThenElectsALeader) {
  std::optional<JoinResult> a, b;
  join(join_request(""), &a);
  join(join_request(""), &b);
  EXPECT_FALSE(a || b) << "the initial delay keeps the first generation open";
  now_ += 100;
  coordinator_->tick(now_);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->error, GroupError::kNone);
  EXPECT_EQ(a->generation, 1);
  EXPECT_EQ(a->generation, b->generation);
  EXPECT_EQ(a->protocol_name, "range");
  EXPECT_EQ(a->leader_id, b->leader_id);
  const JoinResult& leader = a->member_id == a->leader_id ? *a : *b;
  const JoinResult& follower = a->member_id == a->leader_id ? *b : *a;
  EXPECT_EQ(leader.members.size(), 2u);
  EXPECT_TRUE(follower.members.empty()) << "only the leader learns the subscriptions";
}

TEST_F(GroupCoordinatorTest, NewerClientsMustJoinAgainWithTheirMemberId) {
  JoinRequest request = join_request("");
  request.require_known_member_id = true;
  std::optional<JoinResult> first;
  join(request, &first);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->error, GroupError::kMemberIdRequired);
  EXPECT_FALSE(first->member_id.empty());
  std::optional<JoinResult> second;
  request.member_id = first->member_id;
  join(request, &second);
  now_ += 100;
  coordinator_->tick(now_);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->error, GroupError::kNone);
  EXPECT_EQ(second->member_id, first->member_id);
}

TEST_F(GroupCoordinatorTest, LeaderAssignmentReachesEveryMemberAndHeartbeatsAreClean) {
  std::optional<JoinResult> a, b;
  join(join_request(""), &a);
  join(join_request(""), &b);
  now_ += 100;
  coordinator_->tick(now_);
  const std::string leader = a->leader_id;
  const std::string follower = a->member_id == leader ? b->member_id : a->member_id;
  std::optional<SyncResult> follower_sync, leader_sync;
  sync(follower, 1, {}, &follower_sync);
  EXPECT_FALSE(follower_sync) << "followers wait for the leader's assignment";
  sync(leader, 1, {{leader, "L"}, {follower, "F"}}, &leader_sync);
  ASSERT_TRUE(follower_sync && leader_sync);
  EXPECT_EQ(follower_sync->assignment, "F");
  EXPECT_EQ(leader_sync->assignment, "L");
  EXPECT_EQ(coordinator_->heartbeat("g", follower, std::nullopt, 1, now_), GroupError::kNone);
  EXPECT_EQ(coordinator_->heartbeat("g", follower, std::nullopt, 0, now_),
            GroupError::kIllegalGeneration);
  EXPECT_EQ(coordinator_->heartbeat("g", "stranger", std::nullopt, 1, now_),
            GroupError::kUnknownMemberId);
  EXPECT_EQ(coordinator_->describe_group("g")->state, "Stable");
}

TEST_F(GroupCoordinatorTest, ExpiredMemberTriggersARebalanceWithoutIt) {
  std::optional<JoinResult> a, b;
  join(join_request(""), &a);
  join(join_request(""), &b);
  now_ += 100;
  coordinator_->tick(now_);
  const std::string leader = a->leader_id;
  const std::string follower = a->member_id == leader ? b->member_id : a->member_id;
  std::optional<SyncResult> follower_sync, leader_sync;
  sync(follower, 1, {}, &follower_sync);
  sync(leader, 1, {}, &leader_sync);
  ASSERT_TRUE(follower_sync && leader_sync);
  // Only b keeps heartbeating.
  now_ += 6000;
  EXPECT_EQ(coordinator_->heartbeat("g", b->member_id, std::nullopt, 1, now_), GroupError::kNone);
  now_ += 4001;
  coordinator_->tick(now_);
  EXPECT_EQ(coordinator_->heartbeat("g", b->member_id, std::nullopt, 1, now_),
            GroupError::kRebalanceInProgress);
  std::optional<JoinResult> rejoined;
  join(join_request(b->member_id), &rejoined);
  ASSERT_TRUE(rejoined) << "everyone left has rejoined: no need to wait";
  EXPECT_EQ(rejoined->generation, 2);
  EXPECT_EQ(rejoined->leader_id, b->member_id);
  EXPECT_EQ(rejoined->members.size(), 1u);
}

TEST_F(GroupCoordinatorTest, LeavingMemberIsGoneAtOnce) {
  std::optional<JoinResult> a;
  join(join_request(""), &a);
  now_ += 100;
  coordinator_->tick(now_);
  const auto errors =
      coordinator_->leave("g", {{a->member_id, std::nullopt}, {"nobody", std::nullopt}}, now_);
  EXPECT_EQ(errors, (std::vector<GroupError>{GroupError::kNone, GroupError::kUnknownMemberId}));
  EXPECT_EQ(coordinator_->describe_group("g")->state, "Empty");
}

TEST_F(GroupCoordinatorTest, MembersWithNoCommonProtocolAreRejected) {
  std::optional<JoinResult> a, b;
  join(join_request("", "range"), &a);
  join(join_request("", "roundrobin"), &b);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->error, GroupError::kInconsistentGroupProtocol);
}

TEST_F(GroupCoordinatorTest, SessionTimeoutOutsideTheAllowedRangeIsRejected) {
  JoinRequest request = join_request("");
  request.session_timeout_ms = 1000;
  std::optional<JoinResult> result;
  join(request, &result);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->error, GroupError::kInvalidSessionTimeout);
}

TEST_F(GroupCoordinatorTest, StaticMemberRestartTakesOverItsOldPlace) {
  JoinRequest request = join_request("");
  request.group_instance_id = "instance-1";
  std::optional<JoinResult> first;
  join(request, &first);
  now_ += 100;
  coordinator_->tick(now_);
  ASSERT_TRUE(first && first->error == GroupError::kNone);
  std::optional<JoinResult> restarted;
  join(request, &restarted);  // same instance id, no member id: a restart
  now_ += 30000;
  coordinator_->tick(now_);
  ASSERT_TRUE(restarted);
  EXPECT_EQ(restarted->error, GroupError::kNone);
  EXPECT_NE(restarted->member_id, first->member_id);
  EXPECT_EQ(
      coordinator_->heartbeat("g", first->member_id, std::nullopt, restarted->generation, now_),
      GroupError::kUnknownMemberId)
      << "the old member id is fenced";
}

TEST_F(GroupCoordinatorTest, StandaloneCommitsOnlyIntoGroupsWithoutMembers) {
  OffsetCommitRequest commit;
  commit.group_id = "g";
  commit.offsets = {{{"t", 0}, CommittedOffset{42, 0, 1, "meta"}}};
  EXPECT_EQ(coordinator_->commit_offsets(commit, now_), GroupError::kNone);
  EXPECT_EQ(offsets_->fetch("g", {"t", 0})->offset, 42);
  std::optional<JoinResult> a;
  join(join_request(""), &a);
  EXPECT_EQ(coordinator_->commit_offsets(commit, now_), GroupError::kIllegalGeneration);
}

TEST_F(GroupCoordinatorTest, DeleteRemovesAnEmptyGroupAndItsOffsets) {
  OffsetCommitRequest commit;
  commit.group_id = "g";
  commit.offsets = {{{"t", 0}, CommittedOffset{7, 0, 1, ""}}};
  ASSERT_EQ(coordinator_->commit_offsets(commit, now_), GroupError::kNone);
  EXPECT_EQ(coordinator_->delete_group("g"), GroupError::kNone);
  EXPECT_FALSE(offsets_->fetch("g", {"t", 0}));
  EXPECT_EQ(coordinator_->delete_group("g"), GroupError::kGroupIdNotFound);
}

TEST_F(GroupCoordinatorTest, OffsetDeleteKeepsTopicsMembersSubscribeTo) {
  OffsetCommitRequest commit;
  commit.group_id = "g";
  commit.offsets = {{{"kept", 0}, CommittedOffset{3, 0, 1, ""}},
                    {{"dropped", 0}, CommittedOffset{9, 0, 1, ""}}};
  ASSERT_EQ(coordinator_->commit_offsets(commit, now_), GroupError::kNone);
  std::optional<JoinResult> a;
  join(join_request(""), &a);
  now_ += 100;
  coordinator_->tick(now_);
  ASSERT_TRUE(a && a->error == GroupError::kNone);

  // The front end reads the topics out of the metadata; here it is the member's own text.
  std::vector<std::string> seen_metadata;
  const SubscribedTopics subscribed = [&](const std::string& type, const std::string& metadata) {
    EXPECT_EQ(type, "consumer");
    seen_metadata.push_back(metadata);
    return std::vector<std::string>{"kept"};
  };
  OffsetDeleteResult result =
      coordinator_->delete_offsets("g", {{"kept", 0}, {"dropped", 0}}, subscribed);
  EXPECT_EQ(result.error, GroupError::kNone);
  EXPECT_EQ(result.partitions,
            (std::vector<GroupError>{GroupError::kGroupSubscribedToTopic, GroupError::kNone}));
  EXPECT_EQ(seen_metadata, std::vector<std::string>{"subscription-of-"});
  EXPECT_TRUE(offsets_->fetch("g", {"kept", 0}));
  EXPECT_FALSE(offsets_->fetch("g", {"dropped", 0}));

  EXPECT_EQ(coordinator_->delete_offsets("other", {{"kept", 0}}, subscribed).error,
            GroupError::kGroupIdNotFound);
}

TEST_F(GroupCoordinatorTest, OffsetDeleteRefusesNonConsumerGroupsWithMembers) {
  JoinRequest request = join_request("");
  request.protocol_type = "connect";
  std::optional<JoinResult> a;
  join(request, &a);
  now_ += 100;
  coordinator_->tick(now_);
  ASSERT_TRUE(a && a->error == GroupError::kNone);
  const auto none = [](const std::string&, const std::string&) {
    return std::vector<std::string>();
  };
  EXPECT_EQ(coordinator_->delete_offsets("g", {{"t", 0}}, none).error, GroupError::kNonEmptyGroup);
}

TEST(OffsetStore, CommitsSurviveReopenAndDeletesStayDeleted) {
  std::string pattern = (std::filesystem::temp_directory_path() / "sluice-offsets-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const std::filesystem::path dir = pattern;
  {
    auto store = OffsetStore::open(dir, storage::LogConfig{});
    ASSERT_TRUE(store.is_ok());
    ASSERT_TRUE(
        (*store)->commit("g1", {{{"t", 0}, {10, 1, 5, "a"}}, {{"t", 1}, {20, 1, 5, ""}}}).is_ok());
    ASSERT_TRUE((*store)->commit("g1", {{{"t", 0}, {11, 1, 6, "b"}}}).is_ok());
    ASSERT_TRUE((*store)->commit("g2", {{{"u", 3}, {5, -1, 7, ""}}}).is_ok());
    ASSERT_TRUE((*store)->remove("g2", {}).is_ok());
  }
  auto store = OffsetStore::open(dir, storage::LogConfig{});
  ASSERT_TRUE(store.is_ok());
  EXPECT_EQ((*store)->fetch("g1", {"t", 0}), (CommittedOffset{11, 1, 6, "b"}));
  EXPECT_EQ((*store)->fetch("g1", {"t", 1})->offset, 20);
  EXPECT_FALSE((*store)->fetch("g2", {"u", 3}));
  EXPECT_EQ((*store)->groups(), std::vector<std::string>{"g1"});
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sluice::groups
