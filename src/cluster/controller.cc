#include "cluster/controller.h"

#include <algorithm>

#include "common/log.h"

namespace sluice::cluster {

namespace {

bool contains(const std::vector<int32_t>& ids, int32_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

std::optional<PartitionState> next_partition_state(const ClusterSnapshot& snapshot,
                                                   const std::vector<int32_t>& replicas,
                                                   const PartitionState* current) {
  if (current == nullptr) {
    // A new partition: every replica holds the same empty log, so all are in sync. The
    // first live one in preference order leads.
    PartitionState state;
    state.isr = replicas;
    for (int32_t replica : replicas) {
      if (snapshot.is_live(replica)) {
        state.leader = replica;
        break;
      }
    }
    return state;
  }
  if (current->leader != kNoLeader && snapshot.is_live(current->leader)) {
    // The leader stands. Followers that left the registry leave the ISR (the leader itself
    // shrinks it for lag; see replication).
    std::vector<int32_t> isr;
    for (int32_t id : current->isr) {
      if (id == current->leader || snapshot.is_live(id)) isr.push_back(id);
    }
    if (isr == current->isr) return std::nullopt;
    PartitionState next = *current;
    next.isr = std::move(isr);
    return next;
  }
  // No live leader: the first live in-sync replica in preference order takes over.
  for (int32_t replica : replicas) {
    if (contains(current->isr, replica) && snapshot.is_live(replica)) {
      PartitionState next;
      next.leader = replica;
      next.leader_epoch = current->leader_epoch + 1;
      for (int32_t id : current->isr) {
        if (snapshot.is_live(id)) next.isr.push_back(id);
      }
      return next;
    }
  }
  // None: offline. The ISR is kept as it was, so that only a replica that had everything
  // can lead when it comes back (no unclean election).
  if (current->leader == kNoLeader) return std::nullopt;
  PartitionState next = *current;
  next.leader = kNoLeader;
  next.leader_epoch = current->leader_epoch + 1;
  return next;
}

std::optional<PartitionState> accept_isr_change(const ClusterSnapshot& snapshot,
                                                const std::vector<int32_t>& replicas,
                                                const PartitionState& current,
                                                Revision current_revision,
                                                const IsrChange& change) {
  if (change.leader != current.leader || change.leader_epoch != current.leader_epoch ||
      change.base_revision != current_revision || !contains(change.isr, current.leader)) {
    return std::nullopt;
  }
  for (int32_t id : change.isr) {
    if (!contains(replicas, id)) return std::nullopt;
    if (!contains(current.isr, id) && !snapshot.is_live(id)) return std::nullopt;
  }
  PartitionState next = current;
  next.isr.clear();
  for (int32_t id : replicas) {  // in preference order, each once
    if (contains(change.isr, id)) next.isr.push_back(id);
  }
  if (next.isr == current.isr) return std::nullopt;
  return next;
}

Controller::Controller(ClusterView& view, ControllerElection& election)
    : view_(view), election_(election) {}

Controller::~Controller() {
  stop();
}

void Controller::start() {
  subscription_ = view_.subscribe([this](const SnapshotPtr&) {
    std::lock_guard lock(mu_);
    dirty_ = true;
    wake_.notify_all();
  });
  thread_ = std::thread([this] { run(); });
}

void Controller::stop() {
  if (subscription_ != 0) view_.unsubscribe(subscription_);
  subscription_ = 0;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Controller::lead(Revision epoch) {
  std::lock_guard lock(mu_);
  epoch_ = epoch;
  dirty_ = true;
  wake_.notify_all();
}

void Controller::follow() {
  std::lock_guard lock(mu_);
  epoch_ = 0;
}

void Controller::run() {
  std::unique_lock lock(mu_);
  while (true) {
    // Also every second: a write that failed (store unreachable) is tried again.
    wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_ || dirty_; });
    if (stopping_) return;
    dirty_ = false;
    const Revision epoch = epoch_;
    if (epoch == 0) continue;
    lock.unlock();
    reconcile(*view_.snapshot(), epoch);
    lock.lock();
  }
}

void Controller::reconcile(const ClusterSnapshot& snapshot, Revision epoch) {
  auto logger = log::get("controller");
  const ClusterKeys& keys = view_.keys();
  for (const auto& [name, topic] : snapshot.topics) {
    if (snapshot.topic(name) == nullptr) continue;  // states left without a record
    for (int32_t i = 0; i < topic.record.partitions(); ++i) {
      const auto it = topic.partitions.find(i);
      const PartitionView* current = it == topic.partitions.end() ? nullptr : &it->second;
      const auto& replicas = topic.record.replicas[i];
      auto next =
          next_partition_state(snapshot, replicas, current == nullptr ? nullptr : &current->state);
      const auto change = topic.isr_changes.find(i);
      const bool has_change = change != topic.isr_changes.end();
      bool isr_changed = false;
      if (!next && has_change && current != nullptr) {
        next = accept_isr_change(snapshot, replicas, current->state, current->mod_revision,
                                 change->second);
        isr_changed = next.has_value();
        if (!next) {
          logger->info("refused ISR change topic={} partition={} leader={} epoch={}", name, i,
                       change->second.leader, change->second.leader_epoch);
        }
      }
      if (!next && !has_change) continue;
      const std::string key = keys.partition(name, i);
      std::vector<WriteOp> ops;
      if (next) ops.push_back(WriteOp::put(key, encode_partition_state(*next)));
      // Handled either way: applied, refused, or made stale by the state written instead.
      if (has_change) ops.push_back(WriteOp::remove(keys.isr_change(name, i)));
      auto written = election_.fenced_txn(epoch, {Guard{key, current ? current->mod_revision : 0}},
                                          std::move(ops));
      if (!next) continue;
      if (!written.is_ok()) {
        // kConflict: deposed, or the snapshot was stale; either way the next one decides.
        if (written.code() != StoreErrc::kConflict) {
          logger->warn("cannot write partition state topic={} partition={} error=\"{}\"", name, i,
                       written.status().to_string());
        }
        continue;
      }
      const bool elected = next->leader != kNoLeader &&
                           (current == nullptr || current->state.leader != next->leader);
      if (elected) elections_.fetch_add(1);
      if (isr_changed) isr_changes_.fetch_add(1);
      logger->info("partition state topic={} partition={} leader={} epoch={} isr={}", name, i,
                   next->leader, next->leader_epoch, next->isr.size());
    }
  }
}

}  // namespace sluice::cluster
