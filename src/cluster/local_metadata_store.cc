#include "cluster/local_metadata_store.h"

#include <algorithm>

namespace sluice::cluster {

namespace {

bool in_prefix(const std::string& key, const std::string& prefix) {
  return key.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

// One watch's queue of batches and its delivery thread; the store appends under its own
// mutex, the thread delivers outside it, so callbacks may call the store.
struct LocalMetadataStore::Watcher {
  std::string prefix;
  Revision from = 0;  // revisions below this are not delivered
  WatchCallback callback;
  std::mutex mu;
  std::condition_variable wake;
  std::deque<StoreResult<std::vector<WatchEvent>>> queue;
  bool stopped = false;
  std::thread thread;

  void push(StoreResult<std::vector<WatchEvent>> batch) {
    std::lock_guard lock(mu);
    queue.push_back(std::move(batch));
    wake.notify_one();
  }

  void run() {
    std::unique_lock lock(mu);
    while (true) {
      wake.wait(lock, [&] { return stopped || !queue.empty(); });
      if (stopped) return;
      auto batch = std::move(queue.front());
      queue.pop_front();
      const bool last = !batch.is_ok();
      lock.unlock();
      callback(std::move(batch));
      lock.lock();
      if (last) return;  // a compacted watch ends after saying so
    }
  }
};

class LocalMetadataStore::LocalWatch final : public Watch {
 public:
  LocalWatch(LocalMetadataStore& store, std::shared_ptr<Watcher> watcher)
      : store_(store), watcher_(std::move(watcher)) {}
  ~LocalWatch() override {
    {
      std::lock_guard lock(store_.mu_);
      std::erase(store_.watchers_, watcher_);
    }
    {
      std::lock_guard lock(watcher_->mu);
      watcher_->stopped = true;
      watcher_->wake.notify_one();
    }
    watcher_->thread.join();
  }

 private:
  LocalMetadataStore& store_;
  std::shared_ptr<Watcher> watcher_;
};

LocalMetadataStore::LocalMetadataStore(LocalMetadataStoreOptions options)
    : options_(options), reaper_([this] { reap_expired_leases(); }) {}

LocalMetadataStore::~LocalMetadataStore() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    reaper_wake_.notify_one();
  }
  reaper_.join();
}

StoreResult<std::optional<KeyValue>> LocalMetadataStore::get(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = kvs_.find(key);
  if (it == kvs_.end()) return std::optional<KeyValue>();
  return std::optional<KeyValue>(it->second);
}

StoreResult<ReadResult> LocalMetadataStore::range_prefix(const std::string& prefix) {
  std::lock_guard lock(mu_);
  ReadResult result;
  result.revision = revision_;
  for (auto it = kvs_.lower_bound(prefix); it != kvs_.end() && in_prefix(it->first, prefix); ++it)
    result.kvs.push_back(it->second);
  return result;
}

StoreResult<Revision> LocalMetadataStore::put(const std::string& key, const std::string& value,
                                              LeaseId lease) {
  return txn({}, {WriteOp::put(key, value, lease)});
}

StoreResult<Revision> LocalMetadataStore::remove(const std::string& key) {
  return txn({}, {WriteOp::remove(key)});
}

StoreResult<Revision> LocalMetadataStore::txn(const std::vector<Guard>& guards,
                                              const std::vector<WriteOp>& ops) {
  for (const auto& op : ops) {
    if (op.key.empty() && op.type != WriteOp::Type::kDeletePrefix)
      return StoreStatus::invalid_argument("empty key");
  }
  std::lock_guard lock(mu_);
  for (const auto& guard : guards) {
    auto it = kvs_.find(guard.key);
    const Revision actual = it == kvs_.end() ? 0 : it->second.mod_revision;
    if (actual != guard.mod_revision) {
      return StoreStatus::conflict("'" + guard.key + "' is at mod revision " +
                                   std::to_string(actual) + ", not " +
                                   std::to_string(guard.mod_revision));
    }
  }
  auto leases_ok = check_leases_locked(ops);
  if (!leases_ok.is_ok()) return leases_ok;
  return apply_locked(ops);
}

StoreStatus LocalMetadataStore::check_leases_locked(const std::vector<WriteOp>& ops) const {
  for (const auto& op : ops) {
    if (op.type == WriteOp::Type::kPut && op.lease != 0 && !leases_.contains(op.lease))
      return StoreStatus::lease_expired("lease " + std::to_string(op.lease) + " not found");
  }
  return StoreStatus::ok();
}

Revision LocalMetadataStore::apply_locked(const std::vector<WriteOp>& ops) {
  const Revision next = revision_ + 1;
  std::vector<WatchEvent> events;
  for (const auto& op : ops) {
    switch (op.type) {
      case WriteOp::Type::kPut: {
        KeyValue& kv = kvs_[op.key];
        if (kv.create_revision == 0) {
          kv.key = op.key;
          kv.create_revision = next;
        }
        if (kv.lease != 0 && kv.lease != op.lease) {
          auto old = leases_.find(kv.lease);
          if (old != leases_.end()) old->second.keys.erase(op.key);
        }
        kv.value = op.value;
        kv.mod_revision = next;
        kv.version += 1;
        kv.lease = op.lease;
        if (op.lease != 0) leases_[op.lease].keys.insert(op.key);
        events.push_back({WatchEvent::Type::kPut, kv});
        break;
      }
      case WriteOp::Type::kDelete:
        delete_key_locked(op.key, events);
        break;
      case WriteOp::Type::kDeletePrefix: {
        std::vector<std::string> doomed;
        for (auto it = kvs_.lower_bound(op.key); it != kvs_.end() && in_prefix(it->first, op.key);
             ++it)
          doomed.push_back(it->first);
        for (const auto& key : doomed) delete_key_locked(key, events);
        break;
      }
    }
  }
  if (events.empty()) return revision_;
  revision_ = next;
  for (auto& event : events) {
    if (event.type == WatchEvent::Type::kDelete) event.kv.mod_revision = next;
  }
  publish_locked(next, events);
  return revision_;
}

void LocalMetadataStore::delete_key_locked(const std::string& key,
                                           std::vector<WatchEvent>& events) {
  auto it = kvs_.find(key);
  if (it == kvs_.end()) return;
  if (it->second.lease != 0) {
    auto lease = leases_.find(it->second.lease);
    if (lease != leases_.end()) lease->second.keys.erase(key);
  }
  WatchEvent event{WatchEvent::Type::kDelete, KeyValue{}};
  event.kv.key = key;
  events.push_back(std::move(event));
  kvs_.erase(it);
}

void LocalMetadataStore::publish_locked(Revision revision, const std::vector<WatchEvent>& events) {
  history_.emplace_back(revision, events);
  if (history_.size() > options_.history_revisions) compact_locked(history_[1].first);
  for (const auto& watcher : watchers_) {
    if (revision < watcher->from) continue;
    std::vector<WatchEvent> mine;
    for (const auto& event : events) {
      if (in_prefix(event.kv.key, watcher->prefix)) mine.push_back(event);
    }
    if (!mine.empty()) watcher->push(std::move(mine));
  }
}

StoreResult<Lease> LocalMetadataStore::grant_lease(int64_t ttl_seconds) {
  if (ttl_seconds < 1) return StoreStatus::invalid_argument("lease TTL must be at least 1 s");
  std::lock_guard lock(mu_);
  const LeaseId id = next_lease_++;
  leases_[id] = LeaseState{ttl_seconds, Clock::now() + std::chrono::seconds(ttl_seconds), {}};
  reaper_wake_.notify_one();
  return Lease{id, ttl_seconds};
}

StoreResult<int64_t> LocalMetadataStore::keep_alive(LeaseId lease) {
  std::lock_guard lock(mu_);
  auto it = leases_.find(lease);
  if (it == leases_.end())
    return StoreStatus::lease_expired("lease " + std::to_string(lease) + " not found");
  it->second.deadline = Clock::now() + std::chrono::seconds(it->second.ttl_seconds);
  return it->second.ttl_seconds;
}

StoreStatus LocalMetadataStore::revoke_lease(LeaseId lease) {
  std::lock_guard lock(mu_);
  auto it = leases_.find(lease);
  if (it == leases_.end()) return StoreStatus::ok();
  std::vector<WriteOp> deletes;
  for (const auto& key : it->second.keys) deletes.push_back(WriteOp::remove(key));
  leases_.erase(it);
  apply_locked(deletes);
  return StoreStatus::ok();
}

void LocalMetadataStore::reap_expired_leases() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto next = Clock::time_point::max();
    std::vector<WriteOp> deletes;
    const auto now = Clock::now();
    for (auto it = leases_.begin(); it != leases_.end();) {
      if (it->second.deadline <= now) {
        for (const auto& key : it->second.keys) deletes.push_back(WriteOp::remove(key));
        it = leases_.erase(it);
      } else {
        next = std::min(next, it->second.deadline);
        ++it;
      }
    }
    // All of one lease's keys (and of leases expiring together) go at one revision, as
    // etcd's revoke does.
    if (!deletes.empty()) apply_locked(deletes);
    reaper_wake_.wait_until(lock, next);
  }
}

StoreResult<std::unique_ptr<Watch>> LocalMetadataStore::watch_prefix(const std::string& prefix,
                                                                     Revision from_revision,
                                                                     WatchCallback callback) {
  auto watcher = std::make_shared<Watcher>();
  watcher->prefix = prefix;
  watcher->from = from_revision;
  watcher->callback = std::move(callback);
  {
    std::lock_guard lock(mu_);
    if (from_revision != 0 && from_revision < compacted_) {
      watcher->push(StoreStatus::compacted(
          "revision " + std::to_string(from_revision) +
          " is compacted (oldest kept: " + std::to_string(compacted_) + ")"));
    } else {
      for (const auto& [revision, events] : history_) {
        if (from_revision == 0 || revision < from_revision) continue;
        std::vector<WatchEvent> mine;
        for (const auto& event : events) {
          if (in_prefix(event.kv.key, prefix)) mine.push_back(event);
        }
        if (!mine.empty()) watcher->push(std::move(mine));
      }
      watchers_.push_back(watcher);
    }
  }
  watcher->thread = std::thread([w = watcher.get()] { w->run(); });
  return std::unique_ptr<Watch>(std::make_unique<LocalWatch>(*this, watcher));
}

StoreStatus LocalMetadataStore::compact(Revision revision) {
  std::lock_guard lock(mu_);
  if (revision > revision_)
    return StoreStatus::invalid_argument("cannot compact beyond the current revision");
  if (revision <= compacted_) return StoreStatus::compacted("already compacted");
  compact_locked(revision);
  return StoreStatus::ok();
}

void LocalMetadataStore::compact_locked(Revision revision) {
  compacted_ = std::max(compacted_, revision);
  while (!history_.empty() && history_.front().first < compacted_) history_.pop_front();
}

}  // namespace sluice::cluster
