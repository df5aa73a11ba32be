// LocalReplicas over a real TopicManager in a temporary directory, fed snapshots directly.
#include "cluster/local_replicas.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "cluster/local_metadata_store.h"
#include "storage/record_batch_builder.h"

namespace sluice::cluster {
namespace {

class LocalReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sluice-local-replicas-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    topics::TopicDefaults defaults;
    defaults.lead_new_partitions = false;  // as in cluster mode
    auto opened = topics::TopicManager::open(dir_, defaults);
    ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
    topics_ = std::move(*opened);
    replicas_ = std::make_unique<LocalReplicas>(view_, *topics_, 1);
  }
  void TearDown() override {
    replicas_.reset();
    topics_.reset();
    std::filesystem::remove_all(dir_);
  }

  static ClusterSnapshot snapshot(const std::string& id, int32_t leader, int32_t epoch) {
    ClusterSnapshot s;
    s.brokers[1] = BrokerInfo{1, "", {}};
    s.brokers[2] = BrokerInfo{2, "", {}};
    TopicView view;
    view.record = TopicRecord{"t", id, {{1}, {2}}, {}};
    view.partitions[0] = PartitionView{PartitionState{leader, epoch, {leader}}, 1};
    s.topics["t"] = view;
    return s;
  }

  Status append_one(topics::Partition& partition) {
    storage::RecordBatchBuilder builder(0);
    builder.add(std::nullopt, "v", 0);
    std::string batch = builder.build();
    auto pending = partition.append(std::span<char>(batch.data(), batch.size()));
    if (!pending.is_ok()) return pending.status();
    return pending->durable.wait();
  }

  std::filesystem::path dir_;
  LocalMetadataStore store_;
  ClusterView view_{store_, ClusterKeys("test")};
  std::unique_ptr<topics::TopicManager> topics_;
  std::unique_ptr<LocalReplicas> replicas_;
};

TEST_F(LocalReplicasTest, APartitionServesOnlyWhileItsStateNamesThisBroker) {
  replicas_->apply(snapshot("A", 1, 0));
  auto led = topics_->partition("t", 0);
  auto other = topics_->partition("t", 1);  // assigned to broker 2: held, never led here
  ASSERT_TRUE(led && other);
  EXPECT_TRUE(led->is_leader());
  EXPECT_FALSE(other->is_leader());
  EXPECT_EQ(append_one(*other).code(), StatusCode::kNotLeader);
  ASSERT_TRUE(append_one(*led).is_ok());

  // Leadership moves to broker 2 in epoch 1: this broker stops serving at once, and an
  // older state arriving late does not undo it.
  replicas_->apply(snapshot("A", 2, 1));
  EXPECT_FALSE(led->is_leader());
  EXPECT_EQ(led->leader_epoch(), 1);
  EXPECT_EQ(append_one(*led).code(), StatusCode::kNotLeader);
  replicas_->apply(snapshot("A", 1, 0));
  EXPECT_FALSE(led->is_leader());
}

TEST_F(LocalReplicasTest, ATopicRecreatedUnderTheSameNameIsNeverServedFromTheOldLogs) {
  replicas_->apply(snapshot("A", 1, 0));
  ASSERT_TRUE(append_one(*topics_->partition("t", 0)).is_ok());
  ASSERT_EQ(topics_->partition("t", 0)->log().log_end_offset(), 1);
  // Deleted and created again while this broker was not looking: a new id.
  replicas_->apply(snapshot("B", 1, 0));
  auto partition = topics_->partition("t", 0);
  ASSERT_TRUE(partition);
  EXPECT_EQ(partition->log().log_end_offset(), 0);
  EXPECT_EQ(topics_->topic("t")->id, "B");
}

TEST_F(LocalReplicasTest, ATopicGoneFromTheClusterIsDropped) {
  replicas_->apply(snapshot("A", 1, 0));
  ASSERT_TRUE(topics_->topic("t"));
  ClusterSnapshot empty;
  empty.brokers[1] = BrokerInfo{1, "", {}};
  replicas_->apply(empty);
  EXPECT_FALSE(topics_->topic("t"));
}

}  // namespace
}  // namespace sluice::cluster
