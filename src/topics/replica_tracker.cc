#include "topics/replica_tracker.h"

#include <algorithm>

namespace sluice::topics {

namespace {

bool contains(const std::vector<int32_t>& ids, int32_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

void ReplicaTracker::begin(const ReplicaSet& set, int64_t now_ms) {
  set_ = set;
  pending_.reset();
  pending_members_.clear();
  followers_.clear();
  for (int32_t id : set.replicas) {
    if (id == self_) continue;
    FollowerProgress progress;
    progress.id = id;
    progress.last_caught_up_ms = now_ms;
    followers_.push_back(progress);
  }
}

void ReplicaTracker::update(const ReplicaSet& set) {
  if (set.replicas != set_.replicas) {
    // Reassigned replicas: keep what is known of those that stay.
    std::vector<FollowerProgress> kept;
    for (int32_t id : set.replicas) {
      if (id == self_) continue;
      const FollowerProgress* known = follower(id);
      kept.push_back(known != nullptr ? *known : FollowerProgress{id});
    }
    followers_ = std::move(kept);
  }
  set_ = set;
  pending_.reset();
  pending_members_.clear();
}

void ReplicaTracker::set_pending(std::vector<int32_t> isr, int64_t now_ms) {
  pending_since_ms_ = now_ms;
  for (int32_t id : isr) {
    if (!contains(pending_members_, id)) pending_members_.push_back(id);
  }
  pending_ = std::move(isr);
}

FollowerProgress* ReplicaTracker::follower(int32_t id) {
  for (auto& progress : followers_) {
    if (progress.id == id) return &progress;
  }
  return nullptr;
}

void ReplicaTracker::record_fetch(int32_t id, int64_t offset, int64_t leader_end, int64_t now_ms) {
  FollowerProgress* progress = follower(id);
  if (progress == nullptr) return;
  if (offset >= leader_end) {
    progress->last_caught_up_ms = now_ms;
  } else if (progress->last_fetch_ms >= 0 && offset >= progress->leader_end_at_last_fetch) {
    progress->last_caught_up_ms = std::max(progress->last_caught_up_ms, progress->last_fetch_ms);
  }
  progress->position = offset;
  progress->last_fetch_ms = now_ms;
  progress->leader_end_at_last_fetch = leader_end;
}

bool ReplicaTracker::in_isr(int32_t id) const {
  return contains(set_.isr, id);
}

bool ReplicaTracker::counted(int32_t id) const {
  return contains(set_.isr, id) || contains(pending_members_, id);
}

int64_t ReplicaTracker::committed_offset(int64_t leader_durable) const {
  int64_t committed = leader_durable;
  for (const auto& progress : followers_) {
    if (!counted(progress.id)) continue;
    committed = std::min(committed, progress.position);
  }
  return committed;
}

std::optional<std::vector<int32_t>> ReplicaTracker::wanted_isr(int64_t now_ms, int64_t lag_max_ms,
                                                               int64_t high_watermark,
                                                               int64_t epoch_start) const {
  std::vector<int32_t> wanted;
  for (int32_t id : set_.replicas) {
    if (id == self_) {
      wanted.push_back(id);
      continue;
    }
    const auto it = std::find_if(followers_.begin(), followers_.end(),
                                 [id](const FollowerProgress& p) { return p.id == id; });
    if (it == followers_.end()) continue;
    if (in_isr(id)) {
      if (now_ms - it->last_caught_up_ms <= lag_max_ms) wanted.push_back(id);
    } else if (it->position >= 0 && it->position >= high_watermark && it->position >= epoch_start) {
      wanted.push_back(id);
    }
  }
  std::vector<int32_t> committed = set_.isr;
  std::vector<int32_t> sorted_wanted = wanted;
  std::sort(committed.begin(), committed.end());
  std::sort(sorted_wanted.begin(), sorted_wanted.end());
  if (sorted_wanted == committed) return std::nullopt;
  if (pending_ && now_ms - pending_since_ms_ < kRetryPendingMs) {
    std::vector<int32_t> pending = *pending_;
    std::sort(pending.begin(), pending.end());
    if (pending == sorted_wanted) return std::nullopt;
  }
  return wanted;
}

}  // namespace sluice::topics
