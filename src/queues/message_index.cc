#include "queues/message_index.h"

#include <cassert>
#include <cstddef>

namespace sluice::queues {

void MessageIndex::reset(int64_t offset) {
  assert(entries_.empty());
  base_ = offset;
}

MessageEntry* MessageIndex::insert(int64_t offset, const MessageEntry& entry) {
  if (offset < base_) return nullptr;
  while (end_offset() <= offset) entries_.emplace_back();
  MessageEntry& slot = entries_[static_cast<std::size_t>(offset - base_)];
  slot = entry;
  return &slot;
}

MessageEntry* MessageIndex::find(int64_t offset) {
  if (offset < base_ || offset >= end_offset()) return nullptr;
  return &entries_[static_cast<std::size_t>(offset - base_)];
}

const MessageEntry* MessageIndex::find(int64_t offset) const {
  if (offset < base_ || offset >= end_offset()) return nullptr;
  return &entries_[static_cast<std::size_t>(offset - base_)];
}

}  // namespace sluice::queues
