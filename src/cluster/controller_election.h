// Controller election and fencing. One broker holds /sluice/<cluster>/controller, created
// if absent and bound to its lease; the key's create revision is that broker's controller
// epoch. The key is never rewritten, so its mod revision stays equal to the epoch for as long
// as the controller holds it; every controller write is a transaction that also requires
// exactly that, so a deposed controller (paused past its lease, expired, replaced) cannot
// write: its transactions fail with kConflict. Believing you are controller is not enough;
// the guard is what makes a write a controller's.
//
// Stateless apart from its names: BrokerSession calls campaign() on its thread; the
// controller's own code calls fenced_txn() with the epoch it was given.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cluster/cluster_keys.h"
#include "cluster/metadata_store.h"

namespace sluice::cluster {

struct ControllerInfo {
  int32_t broker = 0;
  Revision epoch = 0;
  LeaseId lease = 0;
};

// The controller a controller key names; nullopt when it holds something else.
std::optional<ControllerInfo> decode_controller_info(const KeyValue& kv);

class ControllerElection {
 public:
  ControllerElection(MetadataStore& store, ClusterKeys keys, int32_t broker_id);

  // One attempt to become controller under `lease`. Returns this broker's epoch when it holds
  // the key with this lease (won now, or already held: a retry after an answer was lost),
  // nullopt when another holds it. kLeaseExpired when `lease` is gone.
  StoreResult<std::optional<Revision>> campaign(LeaseId lease);

  // The controller now, nullopt when there is none.
  StoreResult<std::optional<ControllerInfo>> current();

  // Applies `ops` if the controller key still has mod revision `epoch` and every guard
  // holds; kConflict otherwise (deposed, or a guard of the caller's failed).
  StoreResult<Revision> fenced_txn(Revision epoch, std::vector<Guard> guards,
                                   const std::vector<WriteOp>& ops);

  // Steps down: deletes the controller key if it still holds `epoch`; OK when it does not.
  StoreStatus resign(Revision epoch);

  const ClusterKeys& keys() const { return keys_; }

 private:
  MetadataStore& store_;
  const ClusterKeys keys_;
  const int32_t broker_id_;
};

}  // namespace sluice::cluster
