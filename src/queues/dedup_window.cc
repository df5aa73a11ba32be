#include "queues/dedup_window.h"

namespace sluice::queues {

void DedupWindow::expire(int64_t now_ms) {
  while (!order_.empty() && order_.front().expires_ms <= now_ms) {
    auto it = ids_.find(order_.front().key);
    // A re-sent id after expiry has a later deadline; only the matching one goes.
    if (it != ids_.end() && it->second.expires_ms == order_.front().expires_ms) ids_.erase(it);
    order_.pop_front();
  }
}

std::optional<DedupHit> DedupWindow::find(const std::string& key, int64_t now_ms) {
  expire(now_ms);
  auto it = ids_.find(key);
  if (it == ids_.end()) return std::nullopt;
  return it->second.hit;
}

void DedupWindow::add(const std::string& key, DedupHit hit, int64_t sent_ms) {
  const int64_t expires = sent_ms + kDedupWindowMs;
  order_.push_back(Expiry{expires, key, hit.offset});
  ids_[key] = Held{std::move(hit), expires};
}

int64_t DedupWindow::min_offset(int64_t now_ms) {
  expire(now_ms);
  return order_.empty() ? std::numeric_limits<int64_t>::max() : order_.front().offset;
}

}  // namespace sluice::queues
