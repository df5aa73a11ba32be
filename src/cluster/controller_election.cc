#include "cluster/controller_election.h"

#include <nlohmann/json.hpp>

namespace sluice::cluster {

std::optional<ControllerInfo> decode_controller_info(const KeyValue& kv) {
  auto json = nlohmann::json::parse(kv.value, nullptr, false);
  if (!json.is_object() || !json.contains("broker") || !json["broker"].is_number_integer())
    return std::nullopt;
  return ControllerInfo{json["broker"].get<int32_t>(), kv.mod_revision, kv.lease};
}

ControllerElection::ControllerElection(MetadataStore& store, ClusterKeys keys, int32_t broker_id)
    : store_(store), keys_(std::move(keys)), broker_id_(broker_id) {}

StoreResult<std::optional<Revision>> ControllerElection::campaign(LeaseId lease) {
  const std::string value = nlohmann::json({{"broker", broker_id_}}).dump();
  auto created = store_.create(keys_.controller(), value, lease);
  if (created.is_ok()) return std::optional<Revision>(*created);
  if (created.code() != StoreErrc::kConflict) return created.status();
  auto holder = current();
  if (!holder.is_ok()) return holder.status();
  if (holder->has_value() && (*holder)->broker == broker_id_ && (*holder)->lease == lease)
    return std::optional<Revision>((*holder)->epoch);
  return std::optional<Revision>();
}

StoreResult<std::optional<ControllerInfo>> ControllerElection::current() {
  auto kv = store_.get(keys_.controller());
  if (!kv.is_ok()) return kv.status();
  if (!kv->has_value()) return std::optional<ControllerInfo>();
  auto info = decode_controller_info(**kv);
  if (!info) return StoreStatus::protocol("the controller key holds '" + (*kv)->value + "'");
  return info;
}

StoreResult<Revision> ControllerElection::fenced_txn(Revision epoch, std::vector<Guard> guards,
                                                     const std::vector<WriteOp>& ops) {
  if (epoch <= 0) return StoreStatus::conflict("not the controller");
  guards.push_back(Guard{keys_.controller(), epoch});
  return store_.txn(guards, ops);
}

StoreStatus ControllerElection::resign(Revision epoch) {
  auto removed = fenced_txn(epoch, {}, {WriteOp::remove(keys_.controller())});
  if (removed.is_ok() || removed.code() == StoreErrc::kConflict) return StoreStatus::ok();
  return removed.status();
}

}  // namespace sluice::cluster
