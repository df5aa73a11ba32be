// Broker registration and controller election, against the in-process store and a real
// etcd. Every wait is on a condition with a deadline.
#include "cluster/broker_session.h"

#include <gtest/gtest.h>

#include "cluster/etcd_metadata_store.h"
#include "cluster/local_metadata_store.h"
#include "etcd_process.h"
#include "watch_recorder.h"

namespace sluice::cluster {
namespace {

using testing::EtcdProcess;
using testing::eventually;
using namespace std::chrono_literals;

// What a session's callbacks reported.
class ElectionLog {
 public:
  BrokerSessionCallbacks callbacks() {
    return {[this](Revision epoch) {
              std::lock_guard lock(mu_);
              elected_.push_back(epoch);
              changed_.notify_all();
            },
            [this] {
              std::lock_guard lock(mu_);
              ++deposed_;
              changed_.notify_all();
            }};
  }
  // The epochs of the first `n` elections, fewer if they did not come in time.
  std::vector<Revision> wait_elected(size_t n, std::chrono::milliseconds limit = 8s) {
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, limit, [&] { return elected_.size() >= n; });
    return elected_;
  }
  int wait_deposed(int n, std::chrono::milliseconds limit = 8s) {
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, limit, [&] { return deposed_ >= n; });
    return deposed_;
  }
  size_t elections() {
    std::lock_guard lock(mu_);
    return elected_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<Revision> elected_;
  int deposed_ = 0;
};

class BrokerSessionTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "local") {
      local_ = std::make_unique<LocalMetadataStore>();
    } else {
      etcd_ = EtcdProcess::start();
      ASSERT_NE(etcd_, nullptr);
    }
    observer_ = &store_for_broker();
  }

  // Each broker talks to the store over its own connections, as separate processes would.
  MetadataStore& store_for_broker() {
    if (local_) return *local_;
    auto store = EtcdMetadataStore::connect(etcd_->endpoints());
    EXPECT_TRUE(store.is_ok());
    stores_.push_back(std::move(store).value());
    return *stores_.back();
  }

  std::unique_ptr<BrokerSession> make_session(int32_t id, ElectionLog& log, int64_t ttl = 1) {
    BrokerInfo info{
        id, "rack-" + std::to_string(id), {{"kafka", "127.0.0.1:" + std::to_string(9000 + id)}}};
    BrokerSessionOptions options;
    options.lease_ttl_seconds = ttl;
    options.retry_interval = 50ms;
    return std::make_unique<BrokerSession>(store_for_broker(), keys_, info, options,
                                           log.callbacks());
  }

  const ClusterKeys keys_{"test"};
  std::unique_ptr<EtcdProcess> etcd_;
  std::unique_ptr<LocalMetadataStore> local_;
  std::vector<std::unique_ptr<MetadataStore>> stores_;
  MetadataStore* observer_ = nullptr;
};

TEST_P(BrokerSessionTest, registers_its_listeners_under_a_lease_and_leaves_on_stop) {
  ElectionLog log;
  auto session = make_session(7, log, 30);
  session->start();
  ASSERT_TRUE(eventually([&] { return session->registered(); }));
  auto brokers = observer_->range_prefix(keys_.brokers_prefix());
  ASSERT_TRUE(brokers.is_ok());
  ASSERT_EQ(brokers->kvs.size(), 1u);
  EXPECT_EQ(brokers->kvs[0].key, "/sluice/test/brokers/7");
  EXPECT_EQ(brokers->kvs[0].lease, session->lease());
  auto info = decode_broker_info(brokers->kvs[0].value);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(*info, (BrokerInfo{7, "rack-7", {{"kafka", "127.0.0.1:9007"}}}));

  // A clean stop revokes the lease: the registration goes now, not after the 30 s TTL.
  session->stop();
  EXPECT_FALSE(observer_->get("/sluice/test/brokers/7")->has_value());
  EXPECT_FALSE(observer_->get(keys_.controller())->has_value());
}

TEST_P(BrokerSessionTest, two_candidates_elect_exactly_one_controller) {
  ElectionLog log_a, log_b;
  auto a = make_session(1, log_a);
  auto b = make_session(2, log_b);
  a->start();
  b->start();
  ASSERT_TRUE(eventually([&] { return a->registered() && b->registered(); }));
  ASSERT_TRUE(eventually([&] { return log_a.elections() + log_b.elections() >= 1; }));
  auto holder = a->election().current();
  ASSERT_TRUE(holder.is_ok() && holder->has_value());
  BrokerSession& controller = (*holder)->broker == 1 ? *a : *b;
  BrokerSession& other = (*holder)->broker == 1 ? *b : *a;
  EXPECT_EQ(controller.controller_epoch(), (*holder)->epoch);
  EXPECT_EQ(other.controller_epoch(), 0);
  EXPECT_EQ(log_a.elections() + log_b.elections(), 1u);
}

TEST_P(BrokerSessionTest, expired_controller_is_replaced_with_a_higher_epoch_and_fenced) {
  // The old controller is driven by hand so that it can stop renewing its lease while it
  // still believes it is controller: a broker paused past its lease.
  MetadataStore& zombie_store = store_for_broker();
  ControllerElection zombie(zombie_store, keys_, 1);
  auto lease = zombie_store.grant_lease(1);
  ASSERT_TRUE(lease.is_ok());
  auto won = zombie.campaign(lease->id);
  ASSERT_TRUE(won.is_ok() && won->has_value()) << won.status().to_string();
  const Revision old_epoch = **won;
  ASSERT_TRUE(
      zombie.fenced_txn(old_epoch, {}, {WriteOp::put("/sluice/test/topics/t", "v1")}).is_ok());

  ElectionLog log;
  auto successor = make_session(2, log);
  successor->start();
  auto elected = log.wait_elected(1);
  ASSERT_EQ(elected.size(), 1u) << "no takeover after the controller's lease expired";
  EXPECT_GT(elected[0], old_epoch);
  EXPECT_EQ(successor->controller_epoch(), elected[0]);

  // The zombie wakes up and writes as it did before: refused.
  auto stale = zombie.fenced_txn(old_epoch, {}, {WriteOp::put("/sluice/test/topics/t", "zombie")});
  EXPECT_EQ(stale.code(), StoreErrc::kConflict);
  EXPECT_EQ((*observer_->get("/sluice/test/topics/t"))->value, "v1");
  auto fresh = successor->election().fenced_txn(elected[0], {},
                                                {WriteOp::put("/sluice/test/topics/t", "v2")});
  ASSERT_TRUE(fresh.is_ok()) << fresh.status().to_string();
  EXPECT_EQ((*observer_->get("/sluice/test/topics/t"))->value, "v2");
}

TEST_P(BrokerSessionTest, a_controller_that_loses_its_lease_is_told_and_registers_again) {
  ElectionLog log_a, log_b;
  auto a = make_session(1, log_a);
  a->start();
  auto first = log_a.wait_elected(1);
  ASSERT_EQ(first.size(), 1u);
  auto b = make_session(2, log_b);
  b->start();
  ASSERT_TRUE(eventually([&] { return b->registered(); }));
  const LeaseId old_lease = a->lease();

  // The lease vanishes under the controller (as when etcd expires it during a pause).
  ASSERT_TRUE(observer_->revoke_lease(old_lease).is_ok());
  EXPECT_EQ(log_a.wait_deposed(1), 1);
  auto second = log_b.wait_elected(1);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_GT(second[0], first[0]);
  EXPECT_EQ(a->election().fenced_txn(first[0], {}, {WriteOp::put("/sluice/test/x", "old")}).code(),
            StoreErrc::kConflict);

  ASSERT_TRUE(eventually([&] { return a->registered() && a->lease() != old_lease; }));
  auto registration = observer_->get(keys_.broker(1));
  ASSERT_TRUE(registration.is_ok() && registration->has_value());
  EXPECT_EQ((*registration)->lease, a->lease());
  EXPECT_EQ(a->controller_epoch(), 0);
}

TEST_P(BrokerSessionTest, a_stopping_controller_hands_over_without_waiting_for_its_ttl) {
  ElectionLog log_a, log_b;
  auto a = make_session(1, log_a, 30);
  a->start();
  ASSERT_EQ(log_a.wait_elected(1).size(), 1u);
  auto b = make_session(2, log_b, 30);
  b->start();
  ASSERT_TRUE(eventually([&] { return b->registered(); }));
  const auto stopped_at = std::chrono::steady_clock::now();
  a->stop();
  EXPECT_EQ(log_a.wait_deposed(1, 0ms), 1);
  // Woken by its watch of the controller key, well inside the 30 s lease.
  ASSERT_EQ(log_b.wait_elected(1, 5s).size(), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, 5s);
}

INSTANTIATE_TEST_SUITE_P(Stores, BrokerSessionTest, ::testing::Values("local", "etcd"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sluice::cluster
