// The MetadataStore contract, run against both implementations: the in-process store and a
// real etcd started by the test (etcd_process.h).
#include "cluster/metadata_store.h"

#include <gtest/gtest.h>

#include "cluster/etcd_metadata_store.h"
#include "cluster/local_metadata_store.h"
#include "etcd_process.h"
#include "watch_recorder.h"

namespace sluice::cluster {
namespace {

using testing::EtcdProcess;
using testing::eventually;
using testing::WatchRecorder;

class MetadataStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "local") {
      store_ = std::make_unique<LocalMetadataStore>();
      return;
    }
    etcd_ = EtcdProcess::start();
    ASSERT_NE(etcd_, nullptr);
    auto store = EtcdMetadataStore::connect(etcd_->endpoints());
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    store_ = std::move(store).value();
  }

  Revision current_revision() {
    auto read = store_->range_prefix("/");
    EXPECT_TRUE(read.is_ok()) << read.status().to_string();
    return read.is_ok() ? read->revision : 0;
  }

  std::unique_ptr<EtcdProcess> etcd_;
  std::unique_ptr<MetadataStore> store_;
};

TEST_P(MetadataStoreTest, put_then_get_returns_bytes_and_revisions) {
  const std::string key("/k/\x00\xff", 5);
  const std::string value("v\x00\x01\xfe", 4);
  auto first = store_->put(key, value);
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  auto got = store_->get(key);
  ASSERT_TRUE(got.is_ok() && got->has_value());
  EXPECT_EQ((*got)->key, key);
  EXPECT_EQ((*got)->value, value);
  EXPECT_EQ((*got)->create_revision, *first);
  EXPECT_EQ((*got)->mod_revision, *first);
  EXPECT_EQ((*got)->version, 1);

  auto second = store_->put(key, "");
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(*second, *first + 1);
  got = store_->get(key);
  ASSERT_TRUE(got.is_ok() && got->has_value());
  EXPECT_EQ((*got)->value, "");  // an empty value is omitted by the gateway
  EXPECT_EQ((*got)->create_revision, *first);
  EXPECT_EQ((*got)->mod_revision, *second);
  EXPECT_EQ((*got)->version, 2);

  auto missing = store_->get("/k/missing");
  ASSERT_TRUE(missing.is_ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_P(MetadataStoreTest, create_if_absent_conflicts_when_the_key_exists) {
  auto created = store_->create("/c", "first");
  ASSERT_TRUE(created.is_ok()) << created.status().to_string();
  auto again = store_->create("/c", "second");
  EXPECT_EQ(again.code(), StoreErrc::kConflict);
  EXPECT_EQ((*store_->get("/c"))->value, "first");
}

TEST_P(MetadataStoreTest, compare_and_swap_conflicts_after_another_write) {
  auto v1 = store_->put("/cas", "1");
  ASSERT_TRUE(v1.is_ok());
  auto v2 = store_->put_if("/cas", "2", *v1);
  ASSERT_TRUE(v2.is_ok()) << v2.status().to_string();
  // A writer still holding the first revision loses.
  auto stale = store_->put_if("/cas", "stale", *v1);
  EXPECT_EQ(stale.code(), StoreErrc::kConflict);
  EXPECT_EQ((*store_->get("/cas"))->value, "2");
  EXPECT_EQ((*store_->get("/cas"))->mod_revision, *v2);
}

TEST_P(MetadataStoreTest, transaction_guarded_by_a_revision_applies_all_or_nothing) {
  auto fence = store_->put("/t/fence", "epoch");
  ASSERT_TRUE(fence.is_ok());
  ASSERT_TRUE(store_->put("/t/old", "x").is_ok());
  const std::vector<WriteOp> ops = {WriteOp::put("/t/a", "1"), WriteOp::put("/t/b", "2"),
                                    WriteOp::remove("/t/old")};
  auto applied = store_->txn({Guard{"/t/fence", *fence}}, ops);
  ASSERT_TRUE(applied.is_ok()) << applied.status().to_string();
  auto read = store_->range_prefix("/t/");
  ASSERT_TRUE(read.is_ok());
  ASSERT_EQ(read->kvs.size(), 3u);
  EXPECT_EQ(read->kvs[0].key, "/t/a");
  EXPECT_EQ(read->kvs[0].mod_revision, *applied);  // one revision for the whole transaction
  EXPECT_EQ(read->kvs[1].key, "/t/b");
  EXPECT_EQ(read->kvs[1].mod_revision, *applied);

  ASSERT_TRUE(store_->put("/t/fence", "new epoch").is_ok());
  auto fenced =
      store_->txn({Guard{"/t/fence", *fence}, Guard{"/t/absent", 0}},
                  {WriteOp::put("/t/a", "from the old epoch"), WriteOp::put("/t/c", "3")});
  EXPECT_EQ(fenced.code(), StoreErrc::kConflict);
  EXPECT_EQ((*store_->get("/t/a"))->value, "1");
  EXPECT_FALSE(store_->get("/t/c")->has_value());
}

TEST_P(MetadataStoreTest, range_by_prefix_is_ordered_and_excludes_neighbours) {
  for (const char* key : {"/p/b", "/p/a", "/p/c/d", "/pq", "/o"})
    ASSERT_TRUE(store_->put(key, key).is_ok());
  auto read = store_->range_prefix("/p/");
  ASSERT_TRUE(read.is_ok());
  std::vector<std::string> keys;
  for (const auto& kv : read->kvs) keys.push_back(kv.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"/p/a", "/p/b", "/p/c/d"}));
  EXPECT_EQ(read->revision, current_revision());

  auto removed = store_->txn({}, {WriteOp::remove_prefix("/p/")});
  ASSERT_TRUE(removed.is_ok());
  EXPECT_TRUE(store_->range_prefix("/p/")->kvs.empty());
  EXPECT_TRUE(store_->get("/pq")->has_value());
  ASSERT_TRUE(store_->remove("/pq").is_ok());
  EXPECT_FALSE(store_->get("/pq")->has_value());
}

TEST_P(MetadataStoreTest, lease_expiry_removes_bound_keys) {
  auto lease = store_->grant_lease(1);
  ASSERT_TRUE(lease.is_ok()) << lease.status().to_string();
  EXPECT_GE(lease->ttl_seconds, 1);
  auto start = current_revision();
  WatchRecorder recorder;
  auto watch = store_->watch_prefix("/lease/", start + 1, recorder.callback());
  ASSERT_TRUE(watch.is_ok());
  ASSERT_TRUE(store_->put("/lease/broker", "up", lease->id).is_ok());
  EXPECT_EQ((*store_->get("/lease/broker"))->lease, lease->id);
  ASSERT_TRUE(store_->keep_alive(lease->id).is_ok());

  // No more keepalives: within TTL plus etcd's expiry check the key goes, as a delete event.
  EXPECT_TRUE(eventually([&] { return !store_->get("/lease/broker")->has_value(); }));
  auto events = recorder.wait_for_events(2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].type, WatchEvent::Type::kDelete);
  EXPECT_EQ(events[1].kv.key, "/lease/broker");

  EXPECT_EQ(store_->keep_alive(lease->id).code(), StoreErrc::kLeaseExpired);
  EXPECT_EQ(store_->put("/lease/broker", "again", lease->id).code(), StoreErrc::kLeaseExpired);
  EXPECT_EQ(store_->create("/lease/other", "x", lease->id).code(), StoreErrc::kLeaseExpired);
  EXPECT_TRUE(store_->revoke_lease(lease->id).is_ok());  // revoking a gone lease is fine
}

TEST_P(MetadataStoreTest, revoking_a_lease_deletes_its_keys_at_once) {
  auto lease = store_->grant_lease(30);
  ASSERT_TRUE(lease.is_ok());
  ASSERT_TRUE(store_->put("/r/a", "1", lease->id).is_ok());
  ASSERT_TRUE(store_->put("/r/b", "2", lease->id).is_ok());
  ASSERT_TRUE(store_->put("/r/c", "3").is_ok());
  ASSERT_TRUE(store_->revoke_lease(lease->id).is_ok());
  auto read = store_->range_prefix("/r/");
  ASSERT_EQ(read->kvs.size(), 1u);
  EXPECT_EQ(read->kvs[0].key, "/r/c");
}

TEST_P(MetadataStoreTest, watch_delivers_every_change_in_revision_order) {
  const Revision start = current_revision();
  WatchRecorder recorder;
  auto watch = store_->watch_prefix("/w/", start + 1, recorder.callback());
  ASSERT_TRUE(watch.is_ok());
  auto r1 = store_->put("/w/a", "1");
  auto r2 = store_->put("/w/b", "2");
  ASSERT_TRUE(store_->put("/elsewhere", "x").is_ok());
  auto r3 = store_->remove("/w/a");
  auto r4 = store_->txn({}, {WriteOp::put("/w/c", "3"), WriteOp::put("/w/d", "4")});
  auto events = recorder.wait_for_events(5);
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].kv.key, "/w/a");
  EXPECT_EQ(events[0].kv.value, "1");
  EXPECT_EQ(events[0].kv.mod_revision, *r1);
  EXPECT_EQ(events[1].kv.key, "/w/b");
  EXPECT_EQ(events[1].kv.mod_revision, *r2);
  EXPECT_EQ(events[2].type, WatchEvent::Type::kDelete);
  EXPECT_EQ(events[2].kv.key, "/w/a");
  EXPECT_EQ(events[2].kv.mod_revision, *r3);
  EXPECT_EQ(events[3].kv.key, "/w/c");
  EXPECT_EQ(events[3].kv.mod_revision, *r4);
  EXPECT_EQ(events[4].kv.key, "/w/d");
  EXPECT_EQ(events[4].kv.mod_revision, *r4);
  EXPECT_EQ(events[0].type, WatchEvent::Type::kPut);
}

TEST_P(MetadataStoreTest, watch_resumes_from_a_past_revision) {
  auto r1 = store_->put("/h/1", "a");
  auto r2 = store_->put("/h/2", "b");
  auto r3 = store_->put("/h/3", "c");
  ASSERT_TRUE(r1.is_ok() && r2.is_ok() && r3.is_ok());
  WatchRecorder recorder;
  auto watch = store_->watch_prefix("/h/", *r2, recorder.callback());
  ASSERT_TRUE(watch.is_ok());
  auto r4 = store_->put("/h/4", "d");
  auto events = recorder.wait_for_events(3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kv.mod_revision, *r2);
  EXPECT_EQ(events[1].kv.mod_revision, *r3);
  EXPECT_EQ(events[2].kv.mod_revision, *r4);
  EXPECT_EQ(events[2].kv.value, "d");
}

TEST_P(MetadataStoreTest, watch_from_a_compacted_revision_is_reported_so_callers_reread) {
  auto r1 = store_->put("/z/a", "1");
  ASSERT_TRUE(store_->put("/z/a", "2").is_ok());
  auto r3 = store_->put("/z/b", "3");
  ASSERT_TRUE(r1.is_ok() && r3.is_ok());
  ASSERT_TRUE(store_->compact(*r3).is_ok());

  WatchRecorder stale;
  auto old_watch = store_->watch_prefix("/z/", *r1, stale.callback());
  ASSERT_TRUE(old_watch.is_ok());
  auto error = stale.wait_for_error();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code(), StoreErrc::kCompacted);
  EXPECT_TRUE(stale.wait_for_events(1, std::chrono::milliseconds(0)).empty());

  // What a caller does next: re-read, then watch from after the read.
  auto read = store_->range_prefix("/z/");
  ASSERT_TRUE(read.is_ok());
  ASSERT_EQ(read->kvs.size(), 2u);
  EXPECT_EQ(read->kvs[0].value, "2");
  WatchRecorder fresh;
  auto watch = store_->watch_prefix("/z/", read->revision + 1, fresh.callback());
  ASSERT_TRUE(watch.is_ok());
  auto r4 = store_->put("/z/c", "4");
  auto events = fresh.wait_for_events(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kv.mod_revision, *r4);
}

INSTANTIATE_TEST_SUITE_P(Stores, MetadataStoreTest, ::testing::Values("local", "etcd"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sluice::cluster
