#include "topics/partition.h"

namespace sluice::topics {

Result<storage::AppendResult> Partition::append(std::span<char> batches) {
  auto result = log_->append(batches, leader_epoch());
  if (!result.is_ok()) return result;
  std::map<uint64_t, std::function<void()>> woken;
  {
    std::lock_guard lock(waiters_mu_);
    woken.swap(waiters_);
  }
  for (auto& [id, wake] : woken) wake();
  return result;
}

uint64_t Partition::subscribe(std::function<void()> wake) {
  std::lock_guard lock(waiters_mu_);
  const uint64_t id = next_waiter_id_++;
  waiters_.emplace(id, std::move(wake));
  return id;
}

void Partition::unsubscribe(uint64_t id) {
  std::lock_guard lock(waiters_mu_);
  waiters_.erase(id);
}

}  // namespace sluice::topics
