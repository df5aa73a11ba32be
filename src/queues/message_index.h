// The in-memory index of a queue's messages: one fixed-size entry per offset of the messages
// log, from the oldest offset still tracked to the newest. Bodies stay in the log; an entry
// holds only what receive, delete and visibility decisions need.
//
// Offsets of the messages log are dense (one record per message), so the index is a deque
// addressed by offset - base: no per-message node, no per-message key. Slots of offsets that
// were appended by a concurrent sender but not yet inserted stay absent until insert().
//
// REQUIRES: external synchronization (the owning Queue's mutex).
#pragma once

#include <cstdint>
#include <deque>
#include <limits>

namespace sluice::queues {

inline constexpr uint32_t kNoGroup = std::numeric_limits<uint32_t>::max();

// 32 bytes: with the ready heap's 16 bytes per message, 48 bytes per queued message.
struct MessageEntry {
  int64_t visible_at_ms = 0;     // delayed until, or invisible until after a receive
  int64_t first_receive_ms = 0;  // 0 until the first receive
  uint32_t receipt_nonce = 0;    // changes on every receive; part of the receipt handle
  uint32_t group = kNoGroup;     // FIFO group index (FifoGroups), kNoGroup on standard queues
  uint32_t sent_s = 0;           // SentTimestamp in seconds, for MessageRetentionPeriod
  uint16_t receive_count = 0;    // saturates at 65535 ("Approximate" in SQS's own words)
  uint8_t flags = 0;

  static constexpr uint8_t kPresent = 1;  // inserted (its record is durable)
  static constexpr uint8_t kDeleted = 2;  // deleted, purged, expired or moved to the DLQ

  bool live() const { return (flags & (kPresent | kDeleted)) == kPresent; }
  bool received() const { return receive_count > 0; }
  bool in_flight(int64_t now_ms) const { return live() && received() && visible_at_ms > now_ms; }
};
static_assert(sizeof(MessageEntry) == 32);

class MessageIndex {
 public:
  // The first offset tracked; everything below it is gone.
  int64_t base_offset() const { return base_; }
  // One past the highest slot.
  int64_t end_offset() const { return base_ + static_cast<int64_t>(entries_.size()); }

  // Starts an empty index at `offset` (the messages log's start). REQUIRES: empty()
  void reset(int64_t offset);
  bool empty() const { return entries_.empty(); }

  // Places `entry` at `offset`, growing the index with absent slots as needed. Offsets below
  // base_offset() are ignored. Returns the stored entry, or null when ignored.
  MessageEntry* insert(int64_t offset, const MessageEntry& entry);

  // The entry at `offset`, or null outside [base_offset(), end_offset()).
  MessageEntry* find(int64_t offset);
  const MessageEntry* find(int64_t offset) const;

  // Drops leading entries while `gone(offset, entry)` holds and the offset is below `limit`;
  // returns the new base offset.
  template <typename Gone>
  int64_t trim_front(int64_t limit, Gone gone) {
    while (!entries_.empty() && base_ < limit && gone(base_, entries_.front())) {
      entries_.pop_front();
      ++base_;
    }
    return base_;
  }

  template <typename Visit>
  void for_each(Visit visit) const {
    int64_t offset = base_;
    for (const MessageEntry& entry : entries_) visit(offset++, entry);
  }
  template <typename Visit>
  void for_each(Visit visit) {
    int64_t offset = base_;
    for (MessageEntry& entry : entries_) visit(offset++, entry);
  }

 private:
  int64_t base_ = 0;
  std::deque<MessageEntry> entries_;
};

}  // namespace sluice::queues
