// The cluster's shared state: a small, strictly serialisable key-value store with etcd's model
// (one global revision counter, per-key create and mod revisions, leases, prefix watches).
// Two implementations: LocalMetadataStore (in-process, for the embedded single node and unit
// tests) and EtcdMetadataStore (cluster mode, etcd 3.4 through its v3 JSON gateway).
//
// Revisions are the fencing tokens of cluster mode: every write bumps the store's revision,
// and a write guarded by "key K still has mod revision R" fails with kConflict once anyone
// else has written K. Locks and leases alone are not mutual exclusion (Jepsen, etcd 3.4.3);
// guards are.
//
// Threading: every method may be called from any thread. Calls block the calling thread
// until the store answers or the implementation's request timeout passes (kUnavailable), so
// call them from a background thread or the blocking pool, never from a network thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/store_result.h"

namespace sluice::cluster {

using Revision = int64_t;
using LeaseId = int64_t;  // 0 means "no lease"

struct KeyValue {
  std::string key;
  std::string value;
  Revision create_revision = 0;  // the revision that created this incarnation of the key
  Revision mod_revision = 0;     // the revision of its last write
  int64_t version = 0;           // writes since it was created (1 after the create)
  LeaseId lease = 0;             // the lease it is bound to, 0 when none
};

// A read: what matched, and the store's revision when it was read (watch from revision + 1
// to see every later change).
struct ReadResult {
  std::vector<KeyValue> kvs;
  Revision revision = 0;
};

// "Key `key` has mod revision `mod_revision`"; 0 means "the key does not exist", which makes
// a create-if-absent.
struct Guard {
  std::string key;
  Revision mod_revision = 0;
};

// One write of a transaction.
struct WriteOp {
  enum class Type { kPut, kDelete, kDeletePrefix };
  Type type = Type::kPut;
  std::string key;  // the key, or the prefix for kDeletePrefix
  std::string value;
  LeaseId lease = 0;  // kPut only: bind the key to this lease

  static WriteOp put(std::string key, std::string value, LeaseId lease = 0) {
    return {Type::kPut, std::move(key), std::move(value), lease};
  }
  static WriteOp remove(std::string key) { return {Type::kDelete, std::move(key), {}, 0}; }
  static WriteOp remove_prefix(std::string prefix) {
    return {Type::kDeletePrefix, std::move(prefix), {}, 0};
  }
};

struct Lease {
  LeaseId id = 0;
  int64_t ttl_seconds = 0;  // as granted (etcd may raise a small TTL to its minimum)
};

struct WatchEvent {
  enum class Type { kPut, kDelete };
  Type type = Type::kPut;
  // For a delete: the key and the deleting revision in mod_revision; the value is empty.
  KeyValue kv;
};

// A batch of events, all of one revision or of consecutive ones, in revision order. A watch
// delivers each revision's events exactly once, in order, and keeps doing so across lost
// connections; it reports an error only when it cannot continue: kCompacted (the revision it
// must resume from is gone: re-read, then watch again), after which it stops.
using WatchCallback = std::function<void(StoreResult<std::vector<WatchEvent>>)>;

// A running watch; destroying it stops it and waits until its callback is not running. The
// callback must not destroy its own Watch.
class Watch {
 public:
  virtual ~Watch() = default;
};

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // The key's current value, nullopt when absent.
  virtual StoreResult<std::optional<KeyValue>> get(const std::string& key) = 0;
  // Every key starting with `prefix`, in key order.
  virtual StoreResult<ReadResult> range_prefix(const std::string& prefix) = 0;
  // Writes unconditionally; returns the write's revision. kLeaseExpired when `lease` is gone.
  virtual StoreResult<Revision> put(const std::string& key, const std::string& value,
                                    LeaseId lease = 0) = 0;
  // Deletes the key; returns the revision after the call (unchanged when it was absent).
  virtual StoreResult<Revision> remove(const std::string& key) = 0;

  // Applies every op atomically if every guard holds, else nothing and kConflict. Returns
  // the transaction's revision.
  virtual StoreResult<Revision> txn(const std::vector<Guard>& guards,
                                    const std::vector<WriteOp>& ops) = 0;

  // Compare-and-swap on one key: writes when its mod revision is still `expected` (0: only
  // if absent, a create). kConflict otherwise.
  StoreResult<Revision> put_if(const std::string& key, const std::string& value, Revision expected,
                               LeaseId lease = 0) {
    return txn({Guard{key, expected}}, {WriteOp::put(key, value, lease)});
  }
  StoreResult<Revision> create(const std::string& key, const std::string& value,
                               LeaseId lease = 0) {
    return put_if(key, value, 0, lease);
  }

  // Leases: keys bound to a lease are deleted when it expires (no keepalive within its TTL)
  // or is revoked.
  virtual StoreResult<Lease> grant_lease(int64_t ttl_seconds) = 0;
  // Renews the lease for its full TTL; returns that TTL. kLeaseExpired when it is gone.
  virtual StoreResult<int64_t> keep_alive(LeaseId lease) = 0;
  // Revokes the lease and deletes its keys; OK when it had already expired.
  virtual StoreStatus revoke_lease(LeaseId lease) = 0;

  // Watches every key starting with `prefix`, delivering the changes made at revisions
  // >= `from_revision` (0: from now on) to `callback`, on a thread of the store's.
  virtual StoreResult<std::unique_ptr<Watch>> watch_prefix(const std::string& prefix,
                                                           Revision from_revision,
                                                           WatchCallback callback) = 0;

  // Drops the history below `revision`: watches and reads from older revisions get
  // kCompacted. Operators and tests call this; etcd can also be set to do it on its own.
  virtual StoreStatus compact(Revision revision) = 0;
};

// The end of the key range holding every key that starts with `prefix` (etcd's range_end):
// the prefix with its last byte below 0xff incremented and what follows dropped; "\0" when
// the prefix is empty or all 0xff bytes (meaning "every key").
std::string prefix_range_end(const std::string& prefix);

}  // namespace sluice::cluster
