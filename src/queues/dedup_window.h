// FIFO deduplication: the ids sent in the last five minutes and the message each one
// produced. An id stays in the window after its message is deleted (SQS documents this;
// emulators that forget deleted ids deliver duplicates, elasticmq#354).
//
// REQUIRES: external synchronization (the owning Queue's mutex).
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>

namespace sluice::queues {

inline constexpr int64_t kDedupWindowMs = 5 * 60 * 1000;

struct DedupHit {
  std::string message_id;
  int64_t offset = 0;
};

class DedupWindow {
 public:
  // The message an id (already scoped: see Queue) produced within the window.
  std::optional<DedupHit> find(const std::string& key, int64_t now_ms);
  // Remembers `key` from `sent_ms` for the window. REQUIRES: sent_ms no older than earlier adds.
  void add(const std::string& key, DedupHit hit, int64_t sent_ms);
  // The lowest offset an id in the window refers to: the messages log must keep it, so that
  // a restart can rebuild the window. Max int64 when the window is empty.
  int64_t min_offset(int64_t now_ms);
  // Calls `visit(key, hit, sent_ms)` for every id in the window, oldest first (checkpoints).
  template <typename Visit>
  void for_each(int64_t now_ms, Visit visit) {
    expire(now_ms);
    for (const Expiry& expiry : order_) {
      auto it = ids_.find(expiry.key);
      // A key re-added after expiry appears twice in order_; only its live entry counts.
      if (it == ids_.end() || it->second.expires_ms != expiry.expires_ms) continue;
      visit(expiry.key, it->second.hit, expiry.expires_ms - kDedupWindowMs);
    }
  }

 private:
  struct Expiry {
    int64_t expires_ms;
    std::string key;
    int64_t offset;
  };
  struct Held {
    DedupHit hit;
    int64_t expires_ms;
  };
  void expire(int64_t now_ms);

  std::unordered_map<std::string, Held> ids_;
  std::deque<Expiry> order_;  // by expiry, which is also send order
};

}  // namespace sluice::queues
