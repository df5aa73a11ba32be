// The gateway's JSON quirks, decoded without an etcd: int64 as strings, omitted zero
// fields, base64 bytes, errors carrying gRPC codes.
#include "cluster/etcd_json.h"

#include <gtest/gtest.h>

#include "common/base64.h"

namespace sluice::cluster {
namespace {

using nlohmann::json;

TEST(EtcdJson, int64_fields_arrive_as_strings_numbers_or_not_at_all) {
  const json object = {{"a", "9007199254740993"}, {"b", 7}};
  EXPECT_EQ(etcd_json::int_field(object, "a"), 9007199254740993);  // beyond a double's 2^53
  EXPECT_EQ(etcd_json::int_field(object, "b"), 7);
  EXPECT_EQ(etcd_json::int_field(object, "missing"), 0);
}

TEST(EtcdJson, a_range_without_kvs_is_empty_and_keys_are_base64) {
  auto empty = etcd_json::decode_range(json::parse(R"({"header":{"revision":"12"}})"));
  ASSERT_TRUE(empty.is_ok());
  EXPECT_TRUE(empty->kvs.empty());
  EXPECT_EQ(empty->revision, 12);

  auto one = etcd_json::decode_range(json::parse(
      R"({"header":{"revision":"3"},"kvs":[{"key":"Zm9v","create_revision":"2","mod_revision":"3","version":"2"}],"count":"1"})"));
  ASSERT_TRUE(one.is_ok());
  ASSERT_EQ(one->kvs.size(), 1u);
  EXPECT_EQ(one->kvs[0].key, "foo");
  EXPECT_EQ(one->kvs[0].value, "");  // an empty value is omitted
  EXPECT_EQ(one->kvs[0].lease, 0);
  EXPECT_EQ(one->kvs[0].mod_revision, 3);
}

TEST(EtcdJson, errors_map_grpc_codes_to_store_errors) {
  EXPECT_EQ(etcd_json::decode_error(
                404, json::parse(R"({"error":"etcdserver: requested lease not found","code":5})"))
                .code(),
            StoreErrc::kLeaseExpired);
  EXPECT_EQ(
      etcd_json::decode_error(
          400, json::parse(R"({"message":"mvcc: required revision has been compacted","code":11})"))
          .code(),
      StoreErrc::kCompacted);
  EXPECT_EQ(
      etcd_json::decode_error(503, json::parse(R"({"message":"no leader","code":14})")).code(),
      StoreErrc::kUnavailable);
  EXPECT_EQ(etcd_json::decode_error(502, json::object()).code(), StoreErrc::kProtocol);
  EXPECT_TRUE(etcd_json::decode_error(200, json::parse(R"({"header":{}})")).is_ok());
}

TEST(EtcdJson, watch_messages_tell_puts_deletes_and_compaction_apart) {
  auto events = etcd_json::decode_watch_message(json::parse(
      R"({"result":{"header":{"revision":"7"},"events":[{"kv":{"key":"YQ==","mod_revision":"6","value":"Yg=="}},{"type":"DELETE","kv":{"key":"YQ==","mod_revision":"7"}}]}})"));
  ASSERT_TRUE(events.is_ok());
  ASSERT_EQ(events->events.size(), 2u);
  EXPECT_EQ(events->events[0].type, WatchEvent::Type::kPut);
  EXPECT_EQ(events->events[0].kv.value, "b");
  EXPECT_EQ(events->events[1].type, WatchEvent::Type::kDelete);
  EXPECT_EQ(events->events[1].kv.mod_revision, 7);

  auto compacted = etcd_json::decode_watch_message(
      json::parse(R"({"result":{"header":{},"canceled":true,"compact_revision":"2"}})"));
  ASSERT_TRUE(compacted.is_ok());
  EXPECT_TRUE(compacted->canceled);
  EXPECT_EQ(compacted->compact_revision, 2);
}

TEST(EtcdJson, a_txn_guard_of_revision_zero_means_absent) {
  const json txn = etcd_json::txn_request({Guard{"k", 0}}, {WriteOp::put("k", "v", 42)});
  EXPECT_EQ(txn["compare"][0]["target"], "MOD");
  EXPECT_EQ(txn["compare"][0]["mod_revision"], "0");
  EXPECT_EQ(txn["success"][0]["request_put"]["lease"], "42");
  EXPECT_EQ(txn["success"][0]["request_put"]["key"], base64_encode("k"));
}

TEST(Base64, round_trips_every_byte_and_rejects_garbage) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t n = 0; n < 6; ++n)
    EXPECT_EQ(base64_decode(base64_encode(all.substr(0, n))), all.substr(0, n));
  EXPECT_EQ(base64_decode(base64_encode(all)), all);
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_FALSE(base64_decode("Zm9").has_value());
  EXPECT_FALSE(base64_decode("Zm=v").has_value());
  EXPECT_FALSE(base64_decode("Z!9v").has_value());
}

TEST(PrefixRangeEnd, increments_the_last_byte_below_0xff) {
  EXPECT_EQ(prefix_range_end("/a/"), "/a0");
  EXPECT_EQ(prefix_range_end(std::string("a\xff", 2)), "b");
  EXPECT_EQ(prefix_range_end(""), std::string(1, '\0'));
}

}  // namespace
}  // namespace sluice::cluster
