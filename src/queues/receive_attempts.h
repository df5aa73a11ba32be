// ReceiveRequestAttemptId on FIFO queues: what each receive attempt returned, so that a client
// retrying a ReceiveMessage whose answer it never got (a dropped connection, a timeout) gets
// the same messages with the same receipt handles instead of finding their groups locked by
// its own lost receive.
//
// SQS's rules (ReceiveMessage, "ReceiveRequestAttemptId"): an attempt id can be used for 5
// minutes after the receive; a retry returns the same messages and handles while none of
// them was modified (deleted or had its visibility changed) and their visibility timeout has
// not expired, and it resets their visibility timeout. Otherwise the retry is a new receive.
//
// Attempts are kept in memory only: after a broker restart a retry is a new receive (the
// messages it first returned keep their visibility, as after any restart).
//
// REQUIRES: external synchronization (the owning Queue's mutex).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

namespace sluice::queues {

inline constexpr int64_t kReceiveAttemptWindowMs = 5 * 60 * 1000;

// One message of an attempt as it stood when the attempt (or its last retry) returned it.
struct AttemptedMessage {
  int64_t offset = 0;
  uint32_t receipt_nonce = 0;
  int64_t visible_at_ms = 0;
};

class ReceiveAttempts {
 public:
  // The messages attempt `id` returned, or null when it is unknown or older than 5 minutes.
  std::vector<AttemptedMessage>* find(const std::string& id, int64_t now_ms);
  // Records what attempt `id` returned now (replacing an earlier record of the same id).
  // Empty results are not recorded: retrying them is simply receiving again.
  void remember(const std::string& id, std::vector<AttemptedMessage> messages, int64_t now_ms);
  size_t size() const { return attempts_.size(); }

 private:
  struct Attempt {
    int64_t expires_at_ms = 0;
    std::vector<AttemptedMessage> messages;
  };
  void expire(int64_t now_ms);

  std::unordered_map<std::string, Attempt> attempts_;
  // (expiry, id) in the order they were recorded; a stale pair (the id was recorded again
  // since) is skipped when its time comes.
  std::deque<std::pair<int64_t, std::string>> expiries_;
};

}  // namespace sluice::queues
