// The controller's rules alone (next_partition_state), then the controller, the view and the
// placement together over the in-process metadata store.
#include "cluster/controller.h"

#include <gtest/gtest.h>

#include <thread>

#include "cluster/cluster_placement.h"
#include "cluster/local_metadata_store.h"

namespace sluice::cluster {
namespace {

ClusterSnapshot with_brokers(std::initializer_list<int32_t> live) {
  ClusterSnapshot snapshot;
  for (int32_t id : live) snapshot.brokers[id] = BrokerInfo{id, "", {}};
  return snapshot;
}

TEST(NextPartitionState, ANewPartitionIsLedByItsFirstLiveReplicaWithEveryReplicaInSync) {
  auto state = next_partition_state(with_brokers({2, 3}), {1, 2, 3}, nullptr);
  ASSERT_TRUE(state);
  EXPECT_EQ(state->leader, 2);
  EXPECT_EQ(state->leader_epoch, 0);
  EXPECT_EQ(state->isr, (std::vector<int32_t>{1, 2, 3}));
}

TEST(NextPartitionState, ALiveLeaderStandsAndDeadFollowersLeaveTheIsr) {
  const PartitionState current{1, 4, {1, 2, 3}};
  EXPECT_FALSE(next_partition_state(with_brokers({1, 2, 3}), {1, 2, 3}, &current));
  auto shrunk = next_partition_state(with_brokers({1, 3}), {1, 2, 3}, &current);
  ASSERT_TRUE(shrunk);
  EXPECT_EQ(shrunk->leader, 1);
  EXPECT_EQ(shrunk->leader_epoch, 4);  // the same leader: no new epoch
  EXPECT_EQ(shrunk->isr, (std::vector<int32_t>{1, 3}));
}

TEST(NextPartitionState, ADeadLeaderIsReplacedFromTheIsrInPreferenceOrderWithANewEpoch) {
  const PartitionState current{1, 4, {1, 3}};
  // Broker 2 is alive but out of sync: it must not lead.
  auto next = next_partition_state(with_brokers({2, 3}), {1, 2, 3}, &current);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->leader, 3);
  EXPECT_EQ(next->leader_epoch, 5);
  EXPECT_EQ(next->isr, (std::vector<int32_t>{3}));
}

TEST(NextPartitionState, WithNoLiveInSyncReplicaThePartitionGoesOfflineKeepingItsIsr) {
  const PartitionState current{1, 4, {1}};
  auto offline = next_partition_state(with_brokers({2, 3}), {1, 2, 3}, &current);
  ASSERT_TRUE(offline);
  EXPECT_EQ(offline->leader, kNoLeader);
  EXPECT_EQ(offline->leader_epoch, 5);
  EXPECT_EQ(offline->isr, (std::vector<int32_t>{1}));  // no unclean election
  EXPECT_FALSE(next_partition_state(with_brokers({2, 3}), {1, 2, 3}, &*offline));
  // The last in-sync replica returns: it leads, in yet another epoch.
  auto back = next_partition_state(with_brokers({1, 2, 3}), {1, 2, 3}, &*offline);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->leader, 1);
  EXPECT_EQ(back->leader_epoch, 6);
}

TEST(AcceptIsrChange, TheLeaderInItsEpochOnTheCurrentStateMayShrinkAndGrowItsIsr) {
  const PartitionState current{1, 4, {1, 2, 3}};
  auto shrunk = accept_isr_change(with_brokers({1, 2, 3}), {1, 2, 3}, current, 10,
                                  IsrChange{1, 4, {3, 1}, 10});
  ASSERT_TRUE(shrunk);
  EXPECT_EQ(shrunk->isr, (std::vector<int32_t>{1, 3}));  // in preference order
  EXPECT_EQ(shrunk->leader_epoch, 4);                    // an ISR change is no new epoch
  const PartitionState small{1, 4, {1}};
  auto grown =
      accept_isr_change(with_brokers({1, 2}), {1, 2, 3}, small, 11, IsrChange{1, 4, {1, 2}, 11});
  ASSERT_TRUE(grown);
  EXPECT_EQ(grown->isr, (std::vector<int32_t>{1, 2}));
}

TEST(AcceptIsrChange, StaleOrUnsoundRequestsAreRefused) {
  const PartitionState current{1, 4, {1, 2}};
  const auto live = with_brokers({1, 2});
  // Based on an older state: a request left over from before another change.
  EXPECT_FALSE(accept_isr_change(live, {1, 2, 3}, current, 12, IsrChange{1, 4, {1}, 11}));
  // From a deposed leader, or from the leader of an older epoch.
  EXPECT_FALSE(accept_isr_change(live, {1, 2, 3}, current, 12, IsrChange{2, 4, {2}, 12}));
  EXPECT_FALSE(accept_isr_change(live, {1, 2, 3}, current, 12, IsrChange{1, 3, {1}, 12}));
  // Without the leader, with a broker that is no replica, or adding a dead broker.
  EXPECT_FALSE(accept_isr_change(live, {1, 2, 3}, current, 12, IsrChange{1, 4, {2}, 12}));
  EXPECT_FALSE(accept_isr_change(live, {1, 2, 3}, current, 12, IsrChange{1, 4, {1, 2, 7}, 12}));
  EXPECT_FALSE(accept_isr_change(live, {1, 2, 3}, current, 12, IsrChange{1, 4, {1, 2, 3}, 12}));
  // Asking for what is already so.
  EXPECT_FALSE(accept_isr_change(live, {1, 2, 3}, current, 12, IsrChange{1, 4, {2, 1}, 12}));
}

// Brokers registered under leases, a view per broker, one controller.
class ControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    view_ = std::make_unique<ClusterView>(store_, keys_);
    ASSERT_TRUE(view_->start().is_ok());
    election_ = std::make_unique<ControllerElection>(store_, keys_, 1);
    controller_ = std::make_unique<Controller>(*view_, *election_);
    controller_->start();
    ClusterPlacementOptions options;
    options.leader_wait = std::chrono::milliseconds(1000);  // the fenced case waits it out
    placement_ = std::make_unique<ClusterPlacement>(store_, *view_, 1, options);
  }
  void TearDown() override {
    controller_.reset();
    view_.reset();
  }

  LeaseId register_broker(int32_t id) {
    auto lease = store_.grant_lease(60);
    EXPECT_TRUE(lease.is_ok());
    BrokerInfo info{id, "", {{"kafka", "127.0.0.1:" + std::to_string(9000 + id)}}};
    EXPECT_TRUE(store_.put(keys_.broker(id), encode_broker_info(info), lease->id).is_ok());
    // The view learns of it through its watch, a moment later.
    EXPECT_TRUE(view_
                    ->wait_for([id](const ClusterSnapshot& s) { return s.is_live(id); },
                               std::chrono::seconds(5))
                    .second);
    return lease->id;
  }

  void become_controller(LeaseId lease) {
    auto epoch = election_->campaign(lease);
    ASSERT_TRUE(epoch.is_ok() && epoch->has_value());
    controller_->lead(**epoch);
  }

  std::optional<PartitionPlacement> placement_of(const std::string& topic, int32_t index) {
    auto placed = placement_->topic(topic);
    if (!placed || index >= static_cast<int32_t>(placed->partitions.size())) return std::nullopt;
    return placed->partitions[static_cast<size_t>(index)];
  }

  LocalMetadataStore store_;
  ClusterKeys keys_{"test"};
  std::unique_ptr<ClusterView> view_;
  std::unique_ptr<ControllerElection> election_;
  std::unique_ptr<Controller> controller_;
  std::unique_ptr<ClusterPlacement> placement_;
};

TEST_F(ControllerTest, ACreatedTopicGetsLeadersOnLiveBrokersBeforeCreateReturns) {
  const LeaseId lease = register_broker(1);
  register_broker(2);
  register_broker(3);
  become_controller(lease);
  NewTopic topic{"orders"};
  topic.partitions = 6;
  ASSERT_TRUE(placement_->create_topic(topic, false).is_ok());
  std::set<int32_t> leaders;
  for (int32_t i = 0; i < 6; ++i) {
    auto partition = placement_of("orders", i);
    ASSERT_TRUE(partition);
    EXPECT_GE(partition->leader, 1);
    // Three replicas by default (min(3, brokers)); the preferred one leads.
    ASSERT_EQ(partition->replicas.size(), 3u);
    EXPECT_EQ(partition->replicas.front(), partition->leader);
    EXPECT_EQ(partition->isr, partition->replicas);
    leaders.insert(partition->leader);
  }
  EXPECT_EQ(leaders.size(), 3u);  // spread over every broker
  EXPECT_EQ(placement_->create_topic(topic, false).code, PlacementErrc::kTopicExists);
}

TEST_F(ControllerTest, ALeaderThatLeavesTakesItsSingleReplicaPartitionOfflineUntilItReturns) {
  const LeaseId lease = register_broker(1);
  const LeaseId second = register_broker(2);
  become_controller(lease);
  NewTopic topic{"t"};
  topic.assignment = {{2}};
  ASSERT_TRUE(placement_->create_topic(topic, false).is_ok());
  ASSERT_EQ(placement_of("t", 0)->leader, 2);
  ASSERT_TRUE(store_.revoke_lease(second).is_ok());
  auto [offline, went] = view_->wait_for(
      [](const ClusterSnapshot& s) {
        const auto* p = s.partition("t", 0);
        return p != nullptr && p->state.leader == kNoLeader;
      },
      std::chrono::seconds(5));
  ASSERT_TRUE(went);
  EXPECT_EQ(offline->partition("t", 0)->state.leader_epoch, 1);
  register_broker(2);
  auto [back, returned] = view_->wait_for(
      [](const ClusterSnapshot& s) {
        const auto* p = s.partition("t", 0);
        return p != nullptr && p->state.leader == 2;
      },
      std::chrono::seconds(5));
  ASSERT_TRUE(returned);
  EXPECT_EQ(back->partition("t", 0)->state.leader_epoch, 2);
  // Counted once the controller's write returns, which may be after the view saw it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (controller_->elections() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(controller_->elections(), 2u);
}

TEST_F(ControllerTest, ADeposedControllerWritesNothing) {
  const LeaseId lease = register_broker(1);
  register_broker(2);
  become_controller(lease);
  // Another broker takes the controller key (as after this one's lease expired).
  ASSERT_TRUE(store_.remove(keys_.controller()).is_ok());
  auto other_lease = store_.grant_lease(60);
  ASSERT_TRUE(other_lease.is_ok());
  ControllerElection other(store_, keys_, 2);
  ASSERT_TRUE(other.campaign(other_lease->id).is_ok());
  NewTopic topic{"fenced"};
  topic.assignment = {{1}};
  (void)placement_->create_topic(topic, false);  // waits for leaders that never come
  EXPECT_EQ(view_->snapshot()->partition("fenced", 0), nullptr);
}

TEST_F(ControllerTest, PlacementRefusesFactorsItCannotReplicateAndUnknownBrokers) {
  register_broker(1);
  register_broker(2);
  NewTopic topic{"t"};
  topic.replication_factor = 3;  // more replicas than live brokers
  EXPECT_EQ(placement_->create_topic(topic, true).code, PlacementErrc::kInvalidReplicationFactor);
  topic.replication_factor = 2;
  EXPECT_TRUE(placement_->create_topic(topic, true).is_ok());
  NewTopic assigned{"u"};
  assigned.assignment = {{7}};
  EXPECT_EQ(placement_->create_topic(assigned, false).code,
            PlacementErrc::kInvalidReplicaAssignment);
  NewTopic none{"v"};
  none.partitions = 0;
  EXPECT_EQ(placement_->create_topic(none, false).code, PlacementErrc::kInvalidPartitions);
}

TEST_F(ControllerTest, DeletingATopicRemovesItsRecordAndStatesAndGrowingPlacesNewPartitions) {
  const LeaseId lease = register_broker(1);
  become_controller(lease);
  NewTopic topic{"grow"};
  topic.partitions = 1;
  ASSERT_TRUE(placement_->create_topic(topic, false).is_ok());
  ASSERT_TRUE(placement_->add_partitions("grow", 3, {}, false).is_ok());
  ASSERT_TRUE(placement_of("grow", 2));
  EXPECT_EQ(placement_of("grow", 2)->leader, 1);
  EXPECT_EQ(placement_->add_partitions("grow", 2, {}, false).code,
            PlacementErrc::kInvalidPartitions);
  ASSERT_TRUE(placement_->delete_topic("grow").is_ok());
  auto [gone, deleted] =
      view_->wait_for([](const ClusterSnapshot& s) { return s.topics.count("grow") == 0; },
                      std::chrono::seconds(5));
  EXPECT_TRUE(deleted);
  auto states = store_.range_prefix(keys_.partitions_prefix());
  ASSERT_TRUE(states.is_ok());
  EXPECT_TRUE(states->kvs.empty());
  EXPECT_EQ(placement_->delete_topic("grow").code, PlacementErrc::kUnknownTopic);
}

}  // namespace
}  // namespace sluice::cluster
