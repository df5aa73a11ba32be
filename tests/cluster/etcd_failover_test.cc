// Failover between the members of a real 3-member etcd cluster (`--etcd a,b,c`): a member
// killed or paused under the client, a watch whose stream dies, and a lost quorum.
#include <gtest/gtest.h>

#include "cluster/broker_session.h"
#include "cluster/etcd_metadata_store.h"
#include "etcd_process.h"
#include "watch_recorder.h"

namespace sluice::cluster {
namespace {

using testing::EtcdProcess;
using testing::WatchRecorder;
using namespace std::chrono_literals;

EtcdTransportOptions fast_failover() {
  EtcdTransportOptions options;
  options.request_timeout = 3s;
  options.connect_timeout = 300ms;
  options.attempt_timeout = 700ms;
  return options;
}

class EtcdFailoverTest : public ::testing::Test {
 protected:
  // What a caller does with a write whose outcome is unknown (a proposal that the dying
  // member had forwarded to the dead leader times out): write idempotently and retry. A
  // create-if-absent that conflicts was applied by an earlier attempt.
  Revision create_through_failover(const std::string& key, const std::string& value) {
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto created = store_->create(key, value);
      if (created.is_ok()) return *created;
      if (created.code() == StoreErrc::kConflict) {
        auto existing = store_->get(key);
        if (existing.is_ok() && existing->has_value()) return (*existing)->mod_revision;
      }
      EXPECT_EQ(created.code(), StoreErrc::kUnavailable) << created.status().to_string();
    }
    ADD_FAILURE() << "no write of " << key << " within 15 s";
    return 0;
  }

  void SetUp() override {
    etcd_ = EtcdProcess::start(3);
    ASSERT_NE(etcd_, nullptr);
    auto store = EtcdMetadataStore::connect(etcd_->endpoints(), fast_failover());
    ASSERT_TRUE(store.is_ok());
    store_ = std::move(store).value();
  }

  std::unique_ptr<EtcdProcess> etcd_;
  std::unique_ptr<EtcdMetadataStore> store_;
};

TEST_F(EtcdFailoverTest, writes_reads_and_a_watch_continue_when_the_member_in_use_dies) {
  auto start = store_->range_prefix("/f/");
  ASSERT_TRUE(start.is_ok());
  WatchRecorder recorder;
  auto watch = store_->watch_prefix("/f/", start->revision + 1, recorder.callback());
  ASSERT_TRUE(watch.is_ok());
  auto r1 = store_->put("/f/1", "a");
  ASSERT_TRUE(r1.is_ok()) << r1.status().to_string();
  ASSERT_EQ(recorder.wait_for_events(1).size(), 1u);

  // Requests and the watch stream both went to the first member.
  etcd_->kill(0);
  const Revision r2 = create_through_failover("/f/2", "b");
  const Revision r3 = create_through_failover("/f/3", "c");
  auto got = store_->get("/f/1");
  ASSERT_TRUE(got.is_ok() && got->has_value());
  EXPECT_EQ((*got)->value, "a");

  // The watch resumed on another member from the revision after the last one it delivered:
  // nothing lost, nothing twice.
  auto events = recorder.wait_for_events(3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kv.mod_revision, *r1);
  EXPECT_EQ(events[1].kv.mod_revision, r2);
  EXPECT_EQ(events[2].kv.mod_revision, r3);
}

TEST_F(EtcdFailoverTest, a_paused_member_costs_one_attempt_then_the_next_one_answers) {
  ASSERT_TRUE(store_->put("/p/k", "v").is_ok());
  etcd_->pause(0);  // accepts connections (the kernel does), answers nothing
  const auto began = std::chrono::steady_clock::now();
  auto got = store_->get("/p/k");
  ASSERT_TRUE(got.is_ok()) << got.status().to_string();
  EXPECT_EQ((*got)->value, "v");
  EXPECT_LT(std::chrono::steady_clock::now() - began, 2s);
  etcd_->resume(0);
}

TEST_F(EtcdFailoverTest, without_a_quorum_writes_are_unavailable_not_lost_or_hung) {
  ASSERT_TRUE(store_->put("/q/k", "before").is_ok());
  etcd_->kill(0);
  etcd_->kill(1);
  const auto began = std::chrono::steady_clock::now();
  auto put = store_->put("/q/k", "after");
  EXPECT_EQ(put.code(), StoreErrc::kUnavailable) << put.status().to_string();
  EXPECT_LT(std::chrono::steady_clock::now() - began, 5s);
}

TEST_F(EtcdFailoverTest, a_controller_keeps_its_epoch_when_an_etcd_member_dies) {
  std::mutex mu;
  std::condition_variable changed;
  std::vector<Revision> elected;
  int deposed = 0;
  BrokerSessionCallbacks callbacks{[&](Revision epoch) {
                                     std::lock_guard lock(mu);
                                     elected.push_back(epoch);
                                     changed.notify_all();
                                   },
                                   [&] {
                                     std::lock_guard lock(mu);
                                     ++deposed;
                                   }};
  BrokerSessionOptions options;
  options.lease_ttl_seconds = 2;
  options.retry_interval = 50ms;
  BrokerSession session(*store_, ClusterKeys("failover"), BrokerInfo{1, "", {}}, options,
                        callbacks);
  session.start();
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(changed.wait_for(lock, 5s, [&] { return !elected.empty(); }));
  }
  const Revision epoch = elected[0];
  const LeaseId lease = session.lease();
  etcd_->kill(0);
  // Renewals now go to the survivors: the lease outlives its TTL and the epoch still fences
  // writes in. A write caught in the leader's death may time out (outcome unknown, retried
  // as it is idempotent); none is refused.
  const auto began = std::chrono::steady_clock::now();
  const auto deadline = began + 10s;
  int writes = 0;
  while (std::chrono::steady_clock::now() < deadline &&
         (writes == 0 || std::chrono::steady_clock::now() - began < 2500ms)) {
    auto write = session.election().fenced_txn(
        epoch, {}, {WriteOp::put("/sluice/failover/n", std::to_string(writes))});
    ASSERT_NE(write.code(), StoreErrc::kConflict) << write.status().to_string();
    if (write.is_ok()) ++writes;
  }
  EXPECT_GT(writes, 0);
  EXPECT_EQ(session.lease(), lease);
  EXPECT_EQ(session.controller_epoch(), epoch);
  std::lock_guard lock(mu);
  EXPECT_EQ(deposed, 0);
  EXPECT_EQ(elected.size(), 1u);
}

}  // namespace
}  // namespace sluice::cluster
