// A partition leader's record of its followers (Kafka's leader-side replica state): how far
// each follower's log is durable, since when it has been caught up, and the in-sync set the
// high watermark is computed over.
//
// Sluice's followers fsync what they fetched before they fetch again, so the offset a
// follower fetches from is its durable end: the high watermark (the minimum over the
// in-sync replicas, the leader's own durable offset included) only covers records on the
// disk of every in-sync replica.
//
// ISR changes go through the controller. The leader asks for one (wanted_isr, then
// set_pending once the request is written) and keeps counting the replicas of both the
// committed and the asked-for set until the metadata store shows a new state (Kafka's
// "maximal ISR"): a follower being added must be counted before the controller can make it
// eligible for leadership, and one being removed until its removal is committed. Each
// request names the state revision it is based on, so a request left over from an older
// state can never be applied.
//
// Not thread-safe: Partition guards it.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace sluice::topics {

// A partition's state as the metadata store has it, as far as this broker's copy cares.
struct ReplicaSet {
  int32_t leader = -1;
  int32_t leader_epoch = 0;
  std::vector<int32_t> replicas;  // preferred leader first
  std::vector<int32_t> isr;
  int64_t state_revision = 0;  // the state's revision in the store: the base of an ISR change
  int32_t min_insync = 1;      // min.insync.replicas
  bool operator==(const ReplicaSet&) const = default;
};

struct FollowerProgress {
  int32_t id = 0;
  int64_t position = -1;  // durable end of its log as of its last fetch; -1: not fetched yet
  int64_t last_caught_up_ms = 0;
  int64_t last_fetch_ms = -1;
  int64_t leader_end_at_last_fetch = 0;
};

class ReplicaTracker {
 public:
  explicit ReplicaTracker(int32_t self) : self_(self) {}

  // A new leadership term (this broker became leader, or its epoch changed): follower
  // positions are unknown until they fetch, and every follower counts as caught up now, so
  // none is dropped from the ISR before it had a chance to fetch.
  void begin(const ReplicaSet& set, int64_t now_ms);
  // The same term with a new state (the ISR changed): the pending request is settled.
  void update(const ReplicaSet& set);

  // A follower fetched from `offset` (everything below is durable on it) when the leader's
  // log ended at `leader_end`. Kafka's rule for "caught up": the fetch reached the leader's
  // end, or it reached where the leader's end was at the follower's previous fetch.
  // Ignored for a broker that is not a replica.
  void record_fetch(int32_t follower, int64_t offset, int64_t leader_end, int64_t now_ms);

  // The offset below which every counted replica holds the log durably, given the leader's
  // own durable offset; -1 while a counted follower has not fetched yet in this term.
  int64_t committed_offset(int64_t leader_durable) const;

  // The ISR this leader should ask for now, nullopt when the committed one stands (or a
  // request for it is pending): in-sync followers not caught up for `lag_max_ms` leave;
  // replicas whose position reached both the high watermark and the start of this leader's
  // epoch join.
  std::optional<std::vector<int32_t>> wanted_isr(int64_t now_ms, int64_t lag_max_ms,
                                                 int64_t high_watermark, int64_t epoch_start) const;
  // The ISR just asked for. Its members are counted until the next update(), and so are
  // those of any earlier request since then: an overwritten request may still be applied.
  // A request the controller refused leaves no trace but time: wanted_isr asks again once
  // kRetryPendingMs have passed without a new state.
  void set_pending(std::vector<int32_t> isr, int64_t now_ms);
  static constexpr int64_t kRetryPendingMs = 3000;

  const ReplicaSet& set() const { return set_; }
  bool in_isr(int32_t id) const;
  std::vector<FollowerProgress> followers() const { return followers_; }

 private:
  bool counted(int32_t id) const;  // in the committed ISR or a pending request
  FollowerProgress* follower(int32_t id);

  const int32_t self_;
  ReplicaSet set_;
  std::vector<FollowerProgress> followers_;      // every replica but self, in replica order
  std::optional<std::vector<int32_t>> pending_;  // the last request since the state changed
  int64_t pending_since_ms_ = 0;
  std::vector<int32_t> pending_members_;  // every member of every such request
};

}  // namespace sluice::topics
