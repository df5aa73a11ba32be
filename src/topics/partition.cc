#include "topics/partition.h"

#include <chrono>

#include "common/log.h"

namespace sluice::topics {

namespace {

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Partition::Partition(std::string topic, int32_t index, std::unique_ptr<storage::PartitionLog> log,
                     bool leader)
    : topic_(std::move(topic)), index_(index), role_(Role{leader, 0}), log_(std::move(log)) {
  log_->set_high_watermark_listener([this](int64_t moved) { on_high_watermark(moved); });
}

void Partition::set_role(bool leader, int32_t epoch) {
  Role current = role_.load(std::memory_order_acquire);
  while (epoch >= current.epoch &&
         !role_.compare_exchange_weak(current, Role{leader, epoch}, std::memory_order_acq_rel)) {
  }
}

Result<storage::PendingAppend> Partition::append(std::span<char> batches) {
  const Role role = role_.load(std::memory_order_acquire);
  if (!role.leader) {
    return Status::not_leader("this broker does not lead " + topic_ + "-" + std::to_string(index_));
  }
  auto pending = log_->append_async(batches, role.epoch);
  if (!pending.is_ok()) return pending;
  const storage::AppendResult& result = pending->result;
  if (!result.duplicate) {
    bytes_in_.fetch_add(batches.size(), std::memory_order_relaxed);
    records_in_.fetch_add(static_cast<uint64_t>(result.last_offset - result.base_offset + 1),
                          std::memory_order_relaxed);
    if (replicated()) {
      wake_subscribers(true);  // followers fetch what is written, not what is committed
      // The leader's own position counts towards the high watermark once its ticket is done.
      pending->durable.then([this](const Status& durable) {
        if (durable.is_ok()) update_high_watermark();
      });
    }
  }
  return pending;
}

// --- Replication.

void Partition::enable_replication(int32_t self) {
  {
    std::lock_guard lock(replication_mu_);
    self_ = self;
  }
  if (!replicated_.exchange(true)) log_->set_replicated_high_watermark();
}

void Partition::follow_state(const ReplicaSet& set) {
  const Role current = role_.load(std::memory_order_acquire);
  if (set.leader_epoch < current.epoch) return;  // a late update never undoes a newer one
  int32_t self = -1;
  bool new_term = false;
  {
    std::lock_guard lock(replication_mu_);
    self = self_;
    new_term =
        set.leader == self && (!tracker_ || tracker_->set().leader_epoch != set.leader_epoch);
  }
  bool leads = set.leader == self;
  if (new_term) {
    // Before anything is written in the epoch: a follower asking where our epochs end must
    // get the log end for the epoch we took over from.
    Status assigned = log_->assign_epoch(set.leader_epoch, log_->log_end_offset());
    if (!assigned.is_ok()) {
      log::get("replication")
          ->error("cannot lead topic={} partition={} epoch={} error=\"{}\"", topic_, index_,
                  set.leader_epoch, assigned.to_string());
      leads = false;
    }
  }
  std::vector<std::function<void(Status)>> failed;
  {
    std::lock_guard lock(replication_mu_);
    if (leads) {
      if (new_term || !tracker_) {
        tracker_.emplace(self_);
        tracker_->begin(set, steady_ms());
      } else if (!(tracker_->set() == set)) {
        tracker_->update(set);
      }
    } else {
      tracker_.reset();
      for (auto& [key, done] : commit_waits_) failed.push_back(std::move(done));
      commit_waits_.clear();
    }
    set_ = set;
    set_role(leads, set.leader_epoch);
  }
  for (auto& done : failed) {
    done(
        Status::not_leader("this broker no longer leads " + topic_ + "-" + std::to_string(index_)));
  }
  if (leads) update_high_watermark();
}

ReplicaSet Partition::replica_set() const {
  std::lock_guard lock(replication_mu_);
  return set_;
}

Status Partition::check_min_insync() const {
  if (!replicated()) return Status::ok();
  std::lock_guard lock(replication_mu_);
  if (static_cast<int32_t>(set_.isr.size()) < set_.min_insync) {
    return Status::not_enough_replicas("in-sync replicas " + std::to_string(set_.isr.size()) +
                                       " < min.insync.replicas " + std::to_string(set_.min_insync) +
                                       " for " + topic_ + "-" + std::to_string(index_));
  }
  return Status::ok();
}

uint64_t Partition::when_committed(int64_t offset, std::function<void(Status)> done) {
  if (!replicated()) {
    log_->when_durable(offset, std::move(done));
    return 0;
  }
  Status now_status;
  {
    std::lock_guard lock(replication_mu_);
    if (!tracker_) {
      now_status =
          Status::not_leader("this broker does not lead " + topic_ + "-" + std::to_string(index_));
    } else if (log_->high_watermark() < offset) {
      const uint64_t id = next_commit_id_++;
      commit_waits_.emplace(std::make_pair(offset, id), std::move(done));
      return id;
    } else if (static_cast<int32_t>(set_.isr.size()) < set_.min_insync) {
      now_status = Status::not_enough_replicas_after_append(
          "committed with fewer in-sync replicas than min.insync.replicas");
    }
  }
  done(std::move(now_status));
  return 0;
}

void Partition::forget_commit_wait(uint64_t id) {
  if (id == 0) return;
  std::lock_guard lock(replication_mu_);
  for (auto it = commit_waits_.begin(); it != commit_waits_.end(); ++it) {
    if (it->first.second == id) {
      commit_waits_.erase(it);
      return;
    }
  }
}

void Partition::follower_fetched(int32_t follower, int64_t offset) {
  {
    std::lock_guard lock(replication_mu_);
    if (!tracker_) return;
    tracker_->record_fetch(follower, offset, log_->log_end_offset(), steady_ms());
  }
  update_high_watermark();
}

std::optional<std::vector<int32_t>> Partition::wanted_isr(int64_t lag_max_ms) {
  std::lock_guard lock(replication_mu_);
  if (!tracker_) return std::nullopt;
  // Where this leader's epoch starts: a follower joins only once it has everything from the
  // epochs before (Kafka's condition for ISR expansion).
  int64_t epoch_start = log_->log_end_offset();
  for (const auto& entry : log_->epoch_entries()) {
    if (entry.epoch == set_.leader_epoch) epoch_start = entry.start_offset;
  }
  return tracker_->wanted_isr(steady_ms(), lag_max_ms, log_->high_watermark(), epoch_start);
}

void Partition::isr_requested(std::vector<int32_t> isr) {
  std::lock_guard lock(replication_mu_);
  if (tracker_) tracker_->set_pending(std::move(isr), steady_ms());
}

std::vector<FollowerProgress> Partition::followers() const {
  std::lock_guard lock(replication_mu_);
  return tracker_ ? tracker_->followers() : std::vector<FollowerProgress>{};
}

Result<storage::PendingAppend> Partition::append_replicated(std::span<const char> batches) {
  if (is_leader()) {
    return Status::failed_precondition("this broker leads " + topic_ + "-" +
                                       std::to_string(index_) + ": it takes no leader's batches");
  }
  return log_->append_replicated(batches);
}

void Partition::follow_high_watermark(int64_t leader_high_watermark) {
  if (is_leader()) return;
  log_->advance_high_watermark(std::min(leader_high_watermark, log_->durable_offset()));
}

void Partition::update_high_watermark() {
  int64_t committed = -1;
  {
    std::lock_guard lock(replication_mu_);
    if (!tracker_) return;
    // The leader's own position: durable under fsync=always; under interval and never an
    // append counts once written, as it is acknowledged on a single node.
    const bool synced = log_->config().fsync.kind == storage::FsyncPolicy::Kind::kAlways;
    committed =
        tracker_->committed_offset(synced ? log_->durable_offset() : log_->log_end_offset());
  }
  if (committed > log_->high_watermark()) log_->advance_high_watermark(committed);
}

void Partition::on_high_watermark(int64_t high_watermark) {
  wake_subscribers(false);
  if (!replicated()) return;
  std::vector<std::function<void(Status)>> done;
  bool enough = true;
  {
    std::lock_guard lock(replication_mu_);
    enough = static_cast<int32_t>(set_.isr.size()) >= set_.min_insync;
    while (!commit_waits_.empty() && commit_waits_.begin()->first.first <= high_watermark) {
      done.push_back(std::move(commit_waits_.begin()->second));
      commit_waits_.erase(commit_waits_.begin());
    }
  }
  for (auto& callback : done) {
    callback(enough ? Status::ok()
                    : Status::not_enough_replicas_after_append(
                          "committed with fewer in-sync replicas than min.insync.replicas"));
  }
}

void Partition::wake_subscribers(bool appended_only) {
  std::vector<std::function<void()>> woken;
  {
    std::lock_guard lock(waiters_mu_);
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (appended_only && !it->second.on_append) {
        ++it;
        continue;
      }
      woken.push_back(std::move(it->second.wake));
      it = waiters_.erase(it);
    }
  }
  for (auto& wake : woken) wake();
}

Partition::Traffic Partition::traffic() const {
  return Traffic{
      bytes_in_.load(std::memory_order_relaxed), records_in_.load(std::memory_order_relaxed),
      bytes_out_.load(std::memory_order_relaxed), records_out_.load(std::memory_order_relaxed)};
}

void Partition::record_fetched(const storage::ReadResult& read) {
  if (read.empty()) return;
  bytes_out_.fetch_add(read.size, std::memory_order_relaxed);
  records_out_.fetch_add(static_cast<uint64_t>(read.last_offset - read.first_offset + 1),
                         std::memory_order_relaxed);
}

uint64_t Partition::subscribe(std::function<void()> wake, bool on_append) {
  std::lock_guard lock(waiters_mu_);
  const uint64_t id = next_waiter_id_++;
  waiters_.emplace(id, Waiter{std::move(wake), on_append});
  return id;
}

void Partition::unsubscribe(uint64_t id) {
  std::lock_guard lock(waiters_mu_);
  waiters_.erase(id);
}

}  // namespace sluice::topics
