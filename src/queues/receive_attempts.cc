#include "queues/receive_attempts.h"

#include <utility>

namespace sluice::queues {

std::vector<AttemptedMessage>* ReceiveAttempts::find(const std::string& id, int64_t now_ms) {
  expire(now_ms);
  auto it = attempts_.find(id);
  return it == attempts_.end() ? nullptr : &it->second.messages;
}

void ReceiveAttempts::remember(const std::string& id, std::vector<AttemptedMessage> messages,
                               int64_t now_ms) {
  expire(now_ms);
  if (messages.empty()) {
    attempts_.erase(id);
    return;
  }
  // The window runs from the first receive of the attempt: a retry does not extend it.
  auto [it, inserted] = attempts_.try_emplace(id);
  if (inserted) {
    it->second.expires_at_ms = now_ms + kReceiveAttemptWindowMs;
    expiries_.emplace_back(it->second.expires_at_ms, id);
  }
  it->second.messages = std::move(messages);
}

void ReceiveAttempts::expire(int64_t now_ms) {
  while (!expiries_.empty() && expiries_.front().first <= now_ms) {
    auto it = attempts_.find(expiries_.front().second);
    if (it != attempts_.end() && it->second.expires_at_ms == expiries_.front().first) {
      attempts_.erase(it);
    }
    expiries_.pop_front();
  }
}

}  // namespace sluice::queues
