#include "queues/fifo_groups.h"

#include <algorithm>

namespace sluice::queues {

uint32_t FifoGroups::find_or_add(const std::string& name) {
  if (auto it = by_name_.find(name); it != by_name_.end()) return it->second;
  uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    index = static_cast<uint32_t>(groups_.size());
    groups_.emplace_back();
  }
  groups_[index] = Group{name, {}, 0, -1};
  by_name_.emplace(name, index);
  return index;
}

void FifoGroups::push(uint32_t group, int64_t offset, const MessageIndex& index) {
  groups_[group].offsets.push_back(offset);
  refresh(group, index);
}

void FifoGroups::drop_dead_head(Group& group, const MessageIndex& index) {
  while (group.head < group.offsets.size()) {
    const MessageEntry* entry = index.find(group.offsets[group.head]);
    if (entry != nullptr && entry->live()) break;
    ++group.head;
  }
  // Compact once the dropped prefix dominates, keeping pops amortised O(1).
  if (group.head > 0 && group.head * 2 >= group.offsets.size()) {
    group.offsets.erase(group.offsets.begin(),
                        group.offsets.begin() + static_cast<ptrdiff_t>(group.head));
    group.head = 0;
  }
}

void FifoGroups::visit(uint32_t group, MessageIndex& index,
                       const std::function<bool(int64_t, MessageEntry&)>& take) {
  Group& g = groups_[group];
  drop_dead_head(g, index);
  for (size_t i = g.head; i < g.offsets.size(); ++i) {
    MessageEntry* entry = index.find(g.offsets[i]);
    if (entry == nullptr || !entry->live()) continue;
    if (!take(g.offsets[i], *entry)) return;
  }
}

void FifoGroups::refresh(uint32_t group, const MessageIndex& index) {
  Group& g = groups_[group];
  drop_dead_head(g, index);
  if (g.head == g.offsets.size()) {
    by_name_.erase(g.name);
    g = Group{};
    free_.push_back(group);
    return;
  }
  int64_t ready_at = 0;
  bool at_head = true;
  for (size_t i = g.head; i < g.offsets.size(); ++i) {
    const MessageEntry* entry = index.find(g.offsets[i]);
    if (entry == nullptr || !entry->live()) continue;
    // Received messages form a prefix; the first unreceived one matters only as the head.
    if (entry->received() || at_head) ready_at = std::max(ready_at, entry->visible_at_ms);
    if (!entry->received()) break;
    at_head = false;
  }
  if (ready_at == g.ready_at) return;
  g.ready_at = ready_at;
  ready_.push(Slot{ready_at, group});
}

void FifoGroups::prune_stale() {
  while (!ready_.empty()) {
    const Slot& top = ready_.top();
    const Group& g = groups_[top.group];
    if (g.ready_at == top.ready_at && g.head < g.offsets.size()) return;
    ready_.pop();
  }
}

std::optional<uint32_t> FifoGroups::pop_ready(int64_t now_ms) {
  prune_stale();
  if (ready_.empty() || ready_.top().ready_at > now_ms) return std::nullopt;
  const uint32_t group = ready_.top().group;
  ready_.pop();
  groups_[group].ready_at = -1;
  return group;
}

std::optional<int64_t> FifoGroups::next_ready_at() {
  prune_stale();
  if (ready_.empty()) return std::nullopt;
  return ready_.top().ready_at;
}

void FifoGroups::clear() {
  groups_.clear();
  free_.clear();
  by_name_.clear();
  ready_ = {};
}

}  // namespace sluice::queues
