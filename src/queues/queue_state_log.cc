#include "queues/queue_state_log.h"

#include <algorithm>
#include <string>

#include "common/coding.h"
#include "queues/log_scan.h"
#include "storage/batch_reader.h"
#include "storage/record_batch_builder.h"

namespace sluice::queues {
namespace {

constexpr size_t kValueBytes = 31;

std::string encode(const StateChange& change) {
  std::string out(1, static_cast<char>(change.kind));
  put_be64(out, static_cast<uint64_t>(change.offset));
  put_be32(out, change.nonce);
  put_be64(out, static_cast<uint64_t>(change.visible_at_ms));
  put_be16(out, change.receive_count);
  put_be64(out, static_cast<uint64_t>(change.first_receive_ms));
  return out;
}

bool decode(std::string_view in, StateChange* change) {
  if (in.size() != kValueBytes) return false;
  const auto kind = static_cast<uint8_t>(in[0]);
  if (kind < 1 || kind > 5) return false;
  change->kind = static_cast<StateKind>(kind);
  change->offset = static_cast<int64_t>(load_be64(in.data() + 1));
  change->nonce = load_be32(in.data() + 9);
  change->visible_at_ms = static_cast<int64_t>(load_be64(in.data() + 13));
  change->receive_count = load_be16(in.data() + 21);
  change->first_receive_ms = static_cast<int64_t>(load_be64(in.data() + 23));
  return true;
}

}  // namespace

Result<std::unique_ptr<QueueStateLog>> QueueStateLog::open(const std::filesystem::path& dir,
                                                           storage::LogConfig config,
                                                           storage::Clock clock, FileSystem& fs) {
  config.segment_bytes = std::min(config.segment_bytes, kStateSegmentBytes);
  SLUICE_ASSIGN_OR_RETURN(auto log, storage::PartitionLog::open(dir, config, std::move(clock), fs));
  return std::unique_ptr<QueueStateLog>(new QueueStateLog(std::move(log)));
}

Result<storage::DurabilityTicket> QueueStateLog::append_async(
    const std::vector<StateChange>& changes, int64_t now_ms) {
  if (changes.empty()) return storage::DurabilityTicket();
  storage::RecordBatchBuilder builder(now_ms);
  for (const StateChange& change : changes) builder.add(std::nullopt, encode(change), now_ms);
  std::string batch = builder.build();
  const auto size = static_cast<int64_t>(batch.size());
  SLUICE_ASSIGN_OR_RETURN(auto pending,
                          log_->append_async(std::span<char>(batch.data(), batch.size()), 0));
  appended_bytes_.fetch_add(size, std::memory_order_relaxed);
  return pending.durable;
}

Status QueueStateLog::append(const std::vector<StateChange>& changes, int64_t now_ms) {
  SLUICE_ASSIGN_OR_RETURN(auto durable, append_async(changes, now_ms));
  return durable.wait();
}

Status QueueStateLog::replay(int64_t from,
                             const std::function<void(const StateChange&)>& apply) const {
  return storage::for_each_record(*log_, from, [&](const storage::Record& record) {
    StateChange change;
    if (!record.value || !decode(*record.value, &change)) {
      return Status::corruption("queue state record at " + std::to_string(record.offset) +
                                " is malformed");
    }
    apply(change);
    return Status::ok();
  });
}

}  // namespace sluice::queues
