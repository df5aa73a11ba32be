// The state log: a queue's consumption state as a log of changes, appended (fsync=always)
// before the change is acknowledged, replayed over the messages log on open.
//
// Each record's value is 31 bytes: kind (1), offset (8), receipt nonce (4), visible-at ms
// (8), receive count (2), first-receive ms (8), big-endian; fields a kind does not use are 0.
// Appends from concurrent operations may land out of order, so replay must not depend on
// order where it can happen (see Queue::apply): deletes are final, a receive applies only if
// its receive count is higher, a visibility change only to the receive it names. The same
// rules make replay idempotent, which checkpoints rely on (queue_checkpoint.h): a change may
// be both inside a checkpoint and in the state log after the checkpoint's end.
//
// A checkpoint covers every record below its state_end; drop_before(state_end) then raises
// the log start so that whole segments below it are removed. Segments are kept small
// (kStateSegmentBytes) so that dropping frees space soon after each checkpoint.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "common/status.h"
#include "storage/partition_log.h"

namespace sluice::queues {

inline constexpr int64_t kStateSegmentBytes = int64_t{8} << 20;

enum class StateKind : uint8_t {
  kReceived = 1,    // offset, nonce, visible_at (invisible until), receive_count, first_receive
  kDeleted = 2,     // offset
  kVisibility = 3,  // offset, visible_at, receive_count (of the receive it changes)
  kPurged = 4,      // offset: everything below it
  kMoved = 5,       // offset: moved to the dead-letter queue
};

struct StateChange {
  StateKind kind = StateKind::kDeleted;
  int64_t offset = 0;
  uint32_t nonce = 0;
  int64_t visible_at_ms = 0;
  uint16_t receive_count = 0;
  int64_t first_receive_ms = 0;
};

class QueueStateLog {
 public:
  // `config.segment_bytes` is capped at kStateSegmentBytes.
  static Result<std::unique_ptr<QueueStateLog>> open(const std::filesystem::path& dir,
                                                     storage::LogConfig config,
                                                     storage::Clock clock,
                                                     FileSystem& fs = FileSystem::posix());

  // Writes `changes` as one batch and returns at once; the ticket completes once they are
  // durable (under fsync=always). Nothing to write: a ticket that is done.
  Result<storage::DurabilityTicket> append_async(const std::vector<StateChange>& changes,
                                                 int64_t now_ms);
  // append_async() and a wait on this thread.
  Status append(const std::vector<StateChange>& changes, int64_t now_ms);
  // Calls `apply` for every recorded change at an offset >= `from`, in log order.
  Status replay(int64_t from, const std::function<void(const StateChange&)>& apply) const;
  // Makes every appended record durable, whatever the fsync policy.
  Status flush() { return log_->flush(); }
  // Forgets the records below `offset` (a checkpoint covers them): whole segments go.
  Status drop_before(int64_t offset) { return log_->delete_records(offset); }
  Status close() { return log_->close(); }
  const storage::LogRecovery& recovery() const { return log_->recovery(); }

  int64_t start_offset() const { return log_->log_start_offset(); }
  int64_t end_offset() const { return log_->log_end_offset(); }
  uint64_t size_bytes() const { return log_->size_bytes(); }
  size_t segment_count() const { return log_->segment_count(); }
  // Bytes appended since this log was opened: what drives periodic checkpoints.
  int64_t appended_bytes() const { return appended_bytes_.load(std::memory_order_relaxed); }

 private:
  explicit QueueStateLog(std::unique_ptr<storage::PartitionLog> log) : log_(std::move(log)) {}

  std::unique_ptr<storage::PartitionLog> log_;
  std::atomic<int64_t> appended_bytes_{0};
};

}  // namespace sluice::queues
