#include "cluster/etcd_metadata_store.h"

#include "cluster/etcd_json.h"
#include "cluster/etcd_watch.h"

namespace sluice::cluster {

using Retry = EtcdTransport::Retry;
using nlohmann::json;

StoreResult<std::unique_ptr<EtcdMetadataStore>> EtcdMetadataStore::connect(
    std::string_view endpoints, EtcdTransportOptions options) {
  auto parsed = parse_etcd_endpoints(endpoints);
  if (!parsed.is_ok()) return parsed.status();
  auto transport = std::make_shared<EtcdTransport>(std::move(parsed).value(), options);
  return std::make_unique<EtcdMetadataStore>(std::move(transport));
}

EtcdMetadataStore::EtcdMetadataStore(std::shared_ptr<EtcdTransport> transport)
    : transport_(std::move(transport)) {}

StoreResult<std::optional<KeyValue>> EtcdMetadataStore::get(const std::string& key) {
  auto response =
      transport_->call("/v3/kv/range", etcd_json::range_request(key, false), Retry::kSafe);
  if (!response.is_ok()) return response.status();
  auto read = etcd_json::decode_range(*response);
  if (!read.is_ok()) return read.status();
  if (read->kvs.empty()) return std::optional<KeyValue>();
  return std::optional<KeyValue>(std::move(read->kvs.front()));
}

StoreResult<ReadResult> EtcdMetadataStore::range_prefix(const std::string& prefix) {
  auto response =
      transport_->call("/v3/kv/range", etcd_json::range_request(prefix, true), Retry::kSafe);
  if (!response.is_ok()) return response.status();
  return etcd_json::decode_range(*response);
}

StoreResult<Revision> EtcdMetadataStore::put(const std::string& key, const std::string& value,
                                             LeaseId lease) {
  if (key.empty()) return StoreStatus::invalid_argument("empty key");
  auto response =
      transport_->call("/v3/kv/put", etcd_json::put_request(key, value, lease), Retry::kUnsafe);
  if (!response.is_ok()) return response.status();
  return etcd_json::header_revision(*response);
}

StoreResult<Revision> EtcdMetadataStore::remove(const std::string& key) {
  if (key.empty()) return StoreStatus::invalid_argument("empty key");
  auto response =
      transport_->call("/v3/kv/deleterange", etcd_json::delete_request(key, false), Retry::kUnsafe);
  if (!response.is_ok()) return response.status();
  return etcd_json::header_revision(*response);
}

StoreResult<Revision> EtcdMetadataStore::txn(const std::vector<Guard>& guards,
                                             const std::vector<WriteOp>& ops) {
  for (const auto& op : ops) {
    if (op.key.empty() && op.type != WriteOp::Type::kDeletePrefix)
      return StoreStatus::invalid_argument("empty key");
  }
  auto response =
      transport_->call("/v3/kv/txn", etcd_json::txn_request(guards, ops), Retry::kUnsafe);
  if (!response.is_ok()) return response.status();
  // A false "succeeded" is omitted, like every zero value.
  if (!response->value("succeeded", false)) {
    std::string keys;
    for (const auto& guard : guards) keys += (keys.empty() ? "'" : ", '") + guard.key + "'";
    return StoreStatus::conflict("a guard failed on " + keys);
  }
  return etcd_json::header_revision(*response);
}

StoreResult<Lease> EtcdMetadataStore::grant_lease(int64_t ttl_seconds) {
  if (ttl_seconds < 1) return StoreStatus::invalid_argument("lease TTL must be at least 1 s");
  // A lease nobody keeps alive expires on its own, so a grant retried after a lost answer
  // costs at most one orphan lease for one TTL.
  auto response =
      transport_->call("/v3/lease/grant", {{"TTL", std::to_string(ttl_seconds)}}, Retry::kSafe);
  if (!response.is_ok()) return response.status();
  if (auto error = response->find("error");
      error != response->end() && error->is_string() && !error->get<std::string>().empty())
    return StoreStatus::unavailable("lease grant: " + error->get<std::string>());
  Lease lease{etcd_json::int_field(*response, "ID"), etcd_json::int_field(*response, "TTL")};
  if (lease.id == 0) return StoreStatus::protocol("lease grant without an ID: " + response->dump());
  return lease;
}

StoreResult<int64_t> EtcdMetadataStore::keep_alive(LeaseId lease) {
  auto response =
      transport_->call("/v3/lease/keepalive", {{"ID", std::to_string(lease)}}, Retry::kSafe);
  if (!response.is_ok()) return response.status();
  // A streaming call through the gateway: the answer is wrapped in "result", and an expired
  // lease is told by the missing (zero) TTL.
  const json& result = response->contains("result") ? (*response)["result"] : *response;
  const int64_t ttl = etcd_json::int_field(result, "TTL");
  if (ttl <= 0) return StoreStatus::lease_expired("lease " + std::to_string(lease) + " expired");
  return ttl;
}

StoreStatus EtcdMetadataStore::revoke_lease(LeaseId lease) {
  auto response =
      transport_->call("/v3/lease/revoke", {{"ID", std::to_string(lease)}}, Retry::kSafe);
  if (!response.is_ok() && response.code() != StoreErrc::kLeaseExpired) return response.status();
  return StoreStatus::ok();
}

StoreResult<std::unique_ptr<Watch>> EtcdMetadataStore::watch_prefix(const std::string& prefix,
                                                                    Revision from_revision,
                                                                    WatchCallback callback) {
  return start_etcd_watch(transport_, prefix, from_revision, std::move(callback));
}

StoreStatus EtcdMetadataStore::compact(Revision revision) {
  // physical: answer only once the old revisions are really gone, so a watch from before
  // them is refused as soon as this returns.
  auto response =
      transport_->call("/v3/kv/compaction",
                       {{"revision", std::to_string(revision)}, {"physical", true}}, Retry::kSafe);
  return response.status();
}

StoreStatus EtcdMetadataStore::status() {
  return transport_->call("/v3/maintenance/status", json::object(), Retry::kSafe).status();
}

}  // namespace sluice::cluster
