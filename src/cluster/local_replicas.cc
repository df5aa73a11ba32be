#include "cluster/local_replicas.h"

#include <algorithm>

#include "common/log.h"

namespace sluice::cluster {

int32_t min_insync_replicas(const TopicRecord& record) {
  if (auto it = record.configs.find("min.insync.replicas"); it != record.configs.end()) {
    try {
      return std::max(1, std::stoi(it->second));
    } catch (const std::exception&) {  // validated at creation; keep the default
    }
  }
  const size_t factor = record.replicas.empty() ? 1 : record.replicas.front().size();
  return factor >= 3 ? 2 : 1;
}

LocalReplicas::LocalReplicas(ClusterView& view, topics::TopicManager& topics, int32_t self)
    : view_(view), topics_(topics), self_(self) {}

LocalReplicas::~LocalReplicas() {
  stop();
}

void LocalReplicas::start() {
  subscription_ = view_.subscribe([this](const SnapshotPtr& snapshot) {
    std::lock_guard lock(mu_);
    pending_ = snapshot;
    wake_.notify_all();
  });
  apply(*view_.snapshot());
  thread_ = std::thread([this] { run(); });
}

void LocalReplicas::stop() {
  if (subscription_ != 0) view_.unsubscribe(subscription_);
  subscription_ = 0;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LocalReplicas::run() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || pending_ != nullptr; });
    if (stopping_) return;
    SnapshotPtr snapshot = std::move(pending_);
    pending_.reset();
    lock.unlock();
    apply(*snapshot);
    lock.lock();
  }
}

void LocalReplicas::stop_leading() {
  std::lock_guard applying(apply_mu_);
  for (const auto& info : topics_.topics()) {
    for (int32_t i = 0; i < info.partitions; ++i) {
      auto partition = topics_.partition(info.name, i);
      if (!partition || !partition->is_leader()) continue;
      topics::ReplicaSet set = partition->replica_set();
      set.leader = kNoLeader;
      partition->follow_state(set);
      log::get("cluster")->warn("stopped leading topic={} partition={} epoch={}: lease expired",
                                info.name, i, set.leader_epoch);
    }
  }
}

void LocalReplicas::apply(const ClusterSnapshot& snapshot) {
  std::lock_guard applying(apply_mu_);
  auto logger = log::get("cluster");
  // Topics the cluster has and this broker holds a replica of.
  for (const auto& [name, view] : snapshot.topics) {
    if (snapshot.topic(name) == nullptr) continue;
    const TopicRecord& record = view.record;
    const bool hosted =
        std::any_of(record.replicas.begin(), record.replicas.end(), [&](const auto& replicas) {
          return std::find(replicas.begin(), replicas.end(), self_) != replicas.end();
        });
    if (!hosted) continue;
    auto local = topics_.topic(name);
    Status status;
    if (local && local->id != record.id) {
      // An earlier topic of this name, deleted while this broker did not look: its logs hold
      // another topic's records. Drop them before following the new one.
      logger->info("dropping topic {}: its logs belong to an earlier topic of that name", name);
      status = topics_.delete_topic(name);
      local.reset();
    }
    if (!status.is_ok()) {
      logger->error("cannot drop topic {} error=\"{}\"", name, status.to_string());
      continue;
    }
    if (!local) {
      status = topics_.create_topic(name, record.partitions(), record.configs, record.id);
    } else if (local->partitions < record.partitions()) {
      status = topics_.add_partitions(name, record.partitions());
    } else if (local->overrides != record.configs) {
      status = topics_.set_configs(name, record.configs);
    }
    if (!status.is_ok() && status.code() != StatusCode::kAlreadyExists) {
      logger->error("cannot follow topic {} error=\"{}\"", name, status.to_string());
      continue;
    }
    const int32_t min_insync = min_insync_replicas(record);
    for (int32_t i = 0; i < record.partitions(); ++i) {
      auto partition = topics_.partition(name, i);
      if (!partition) continue;
      partition->enable_replication(self_);
      const PartitionView* state = snapshot.partition(name, i);
      if (state == nullptr) {
        partition->set_role(false, partition->leader_epoch());
        continue;
      }
      topics::ReplicaSet set;
      set.leader = state->state.leader;
      // Not while this broker is not registered (before it is, or once its lease is gone):
      // the controller may be moving its partitions elsewhere.
      if (set.leader == self_ && !snapshot.is_live(self_)) set.leader = kNoLeader;
      set.leader_epoch = state->state.leader_epoch;
      set.replicas = record.replicas[i];
      set.isr = state->state.isr;
      set.state_revision = state->mod_revision;
      set.min_insync = min_insync;
      const bool leads = set.leader == self_;
      if (leads && (!partition->is_leader() || partition->leader_epoch() < set.leader_epoch)) {
        logger->info("leading topic={} partition={} epoch={}", name, i, set.leader_epoch);
      }
      partition->follow_state(set);
    }
  }
  // Local topics the cluster no longer has: deleted while they were here (the data
  // directory belongs to this cluster, which serve checks at start).
  for (const auto& info : topics_.topics()) {
    if (snapshot.topic(info.name) != nullptr) continue;
    if (Status status = topics_.delete_topic(info.name); !status.is_ok()) {
      if (status.code() != StatusCode::kNotFound) {
        logger->error("cannot drop deleted topic {} error=\"{}\"", info.name, status.to_string());
      }
    } else {
      logger->info("dropped topic {}: deleted from the cluster", info.name);
    }
  }
  if (applied_) applied_(snapshot);
}

}  // namespace sluice::cluster
