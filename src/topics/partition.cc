#include "topics/partition.h"

namespace sluice::topics {

Partition::Partition(std::string topic, int32_t index, std::unique_ptr<storage::PartitionLog> log,
                     bool leader)
    : topic_(std::move(topic)), index_(index), role_(Role{leader, 0}), log_(std::move(log)) {
  log_->set_high_watermark_listener([this](int64_t) { wake_subscribers(); });
}

void Partition::set_role(bool leader, int32_t epoch) {
  Role current = role_.load(std::memory_order_acquire);
  while (epoch >= current.epoch &&
         !role_.compare_exchange_weak(current, Role{leader, epoch}, std::memory_order_acq_rel)) {
  }
}

Result<storage::PendingAppend> Partition::append(std::span<char> batches) {
  const Role role = role_.load(std::memory_order_acquire);
  if (!role.leader) {
    return Status::not_leader("this broker does not lead " + topic_ + "-" + std::to_string(index_));
  }
  auto pending = log_->append_async(batches, role.epoch);
  if (!pending.is_ok()) return pending;
  const storage::AppendResult& result = pending->result;
  if (!result.duplicate) {
    bytes_in_.fetch_add(batches.size(), std::memory_order_relaxed);
    records_in_.fetch_add(static_cast<uint64_t>(result.last_offset - result.base_offset + 1),
                          std::memory_order_relaxed);
  }
  return pending;
}

void Partition::wake_subscribers() {
  std::map<uint64_t, std::function<void()>> woken;
  {
    std::lock_guard lock(waiters_mu_);
    woken.swap(waiters_);
  }
  for (auto& [id, wake] : woken) wake();
}

Partition::Traffic Partition::traffic() const {
  return Traffic{
      bytes_in_.load(std::memory_order_relaxed), records_in_.load(std::memory_order_relaxed),
      bytes_out_.load(std::memory_order_relaxed), records_out_.load(std::memory_order_relaxed)};
}

void Partition::record_fetched(const storage::ReadResult& read) {
  if (read.empty()) return;
  bytes_out_.fetch_add(read.size, std::memory_order_relaxed);
  records_out_.fetch_add(static_cast<uint64_t>(read.last_offset - read.first_offset + 1),
                         std::memory_order_relaxed);
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
