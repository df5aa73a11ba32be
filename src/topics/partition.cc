#include "topics/partition.h"

#include "storage/record_batch.h"

namespace sluice::topics {

Partition::Partition(std::string topic, int32_t index, std::unique_ptr<storage::PartitionLog> log)
    : topic_(std::move(topic)), index_(index), log_(std::move(log)) {
  log_->set_high_watermark_listener([this](int64_t) { wake_subscribers(); });
}

Result<storage::PendingAppend> Partition::append(std::span<char> batches) {
  auto pending = log_->append_async(batches, leader_epoch());
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

void Partition::record_fetched(std::string_view batches) {
  const uint64_t bytes = batches.size();
  uint64_t records = 0;
  while (!batches.empty()) {
    auto batch = storage::RecordBatchView::parse(batches);
    if (!batch.is_ok()) break;  // the log holds only whole, checked batches
    records += static_cast<uint64_t>(batch->record_count());
    batches.remove_prefix(batch->size());
  }
  bytes_out_.fetch_add(bytes, std::memory_order_relaxed);
  records_out_.fetch_add(records, std::memory_order_relaxed);
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
