// The in-process metadata store: etcd's data model (revisions, leases, prefix watches,
// compaction) in memory, for the embedded single node, which needs no etcd, and for unit
// tests, which run the same suite against it and against a real etcd.
//
// Not persisted: nothing in the embedded broker keeps its state here yet (topic.json and
// the producer-id file still live in the data directory). When something does, it is written
// through the FileSystem seam (common/file_system.h).
//
// Leases expire on the steady clock, checked by a reaper thread. Each watch has its own
// delivery thread, so a callback may call back into the store.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "cluster/metadata_store.h"

namespace sluice::cluster {

struct LocalMetadataStoreOptions {
  // Revisions of history kept for watches that start in the past; older ones are compacted
  // on their own (a watch from before them gets kCompacted, as with etcd's auto-compaction).
  size_t history_revisions = 10000;
};

class LocalMetadataStore final : public MetadataStore {
 public:
  explicit LocalMetadataStore(LocalMetadataStoreOptions options = {});
  ~LocalMetadataStore() override;
  LocalMetadataStore(const LocalMetadataStore&) = delete;
  LocalMetadataStore& operator=(const LocalMetadataStore&) = delete;

  StoreResult<std::optional<KeyValue>> get(const std::string& key) override;
  StoreResult<ReadResult> range_prefix(const std::string& prefix) override;
  StoreResult<Revision> put(const std::string& key, const std::string& value,
                            LeaseId lease = 0) override;
  StoreResult<Revision> remove(const std::string& key) override;
  StoreResult<Revision> txn(const std::vector<Guard>& guards,
                            const std::vector<WriteOp>& ops) override;
  StoreResult<Lease> grant_lease(int64_t ttl_seconds) override;
  StoreResult<int64_t> keep_alive(LeaseId lease) override;
  StoreStatus revoke_lease(LeaseId lease) override;
  StoreResult<std::unique_ptr<Watch>> watch_prefix(const std::string& prefix,
                                                   Revision from_revision,
                                                   WatchCallback callback) override;
  StoreStatus compact(Revision revision) override;

 private:
  using Clock = std::chrono::steady_clock;
  struct LeaseState {
    int64_t ttl_seconds = 0;
    Clock::time_point deadline;
    std::set<std::string> keys;
  };
  struct Watcher;
  class LocalWatch;

  // REQUIRES: mu_ held. Applies `ops` at one new revision (none when nothing changes),
  // records the events and hands them to the watchers. Returns the store's revision after.
  Revision apply_locked(const std::vector<WriteOp>& ops);
  // REQUIRES: mu_ held. Fails when a put names a lease that does not exist.
  StoreStatus check_leases_locked(const std::vector<WriteOp>& ops) const;
  void delete_key_locked(const std::string& key, std::vector<WatchEvent>& events);
  void publish_locked(Revision revision, const std::vector<WatchEvent>& events);
  void compact_locked(Revision revision);
  void reap_expired_leases();

  const LocalMetadataStoreOptions options_;
  std::mutex mu_;
  std::condition_variable reaper_wake_;
  bool stopping_ = false;
  Revision revision_ = 1;   // as etcd: an empty store is at revision 1
  Revision compacted_ = 0;  // revisions below this are gone from history_
  std::map<std::string, KeyValue> kvs_;
  std::deque<std::pair<Revision, std::vector<WatchEvent>>> history_;
  LeaseId next_lease_ = 1;
  std::map<LeaseId, LeaseState> leases_;
  std::vector<std::shared_ptr<Watcher>> watchers_;
  std::thread reaper_;
};

}  // namespace sluice::cluster
