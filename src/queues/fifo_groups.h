// FIFO message groups: each group's live messages in send order, and a min-heap of the times
// at which groups become deliverable.
//
// SQS delivers nothing from a group while any message of it is in flight, and always
// delivers a group from its oldest message. Messages are received from the head in order,
// so the received messages of a group are always a prefix of its list; the group is ready
// once every received one is visible again and its head is visible (not delayed). A group's
// heap entry is stale when its key differs from the group's current one (lazy deletion).
//
// REQUIRES: external synchronization (the owning Queue's mutex).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "queues/message_index.h"

namespace sluice::queues {

class FifoGroups {
 public:
  // The index of the group named `name`, created if needed.
  uint32_t find_or_add(const std::string& name);
  const std::string& name(uint32_t group) const { return groups_[group].name; }

  // Appends `offset` (higher than any before) to `group` and reschedules it.
  void push(uint32_t group, int64_t offset, const MessageIndex& index);

  // Calls `take(offset, entry)` for the group's live messages from the head, in order, while
  // it returns true. Deleted messages at the head are dropped on the way.
  void visit(uint32_t group, MessageIndex& index,
             const std::function<bool(int64_t, MessageEntry&)>& take);

  // Recomputes when `group` is ready and schedules it; releases a group with no live message.
  void refresh(uint32_t group, const MessageIndex& index);

  // A group whose ready time is <= now, removed from the schedule (refresh it after use).
  std::optional<uint32_t> pop_ready(int64_t now_ms);
  // The earliest time a scheduled group becomes ready.
  std::optional<int64_t> next_ready_at();

  void clear();

  // Calls `visit(group, name)` for every group in use (checkpoints).
  template <typename Visit>
  void for_each_group(Visit visit) const {
    for (const auto& [name, group] : by_name_) visit(group, name);
  }

 private:
  struct Group {
    std::string name;
    std::vector<int64_t> offsets;  // live (and not yet dropped deleted) messages, in order
    size_t head = 0;               // offsets before it are gone
    int64_t ready_at = -1;         // the key of its valid heap entry; -1 when unscheduled
  };
  struct Slot {
    int64_t ready_at;
    uint32_t group;
    bool operator>(const Slot& other) const { return ready_at > other.ready_at; }
  };

  void drop_dead_head(Group& group, const MessageIndex& index);
  void prune_stale();

  std::vector<Group> groups_;
  std::vector<uint32_t> free_;
  std::unordered_map<std::string, uint32_t> by_name_;
  std::priority_queue<Slot, std::vector<Slot>, std::greater<>> ready_;
};

}  // namespace sluice::queues
