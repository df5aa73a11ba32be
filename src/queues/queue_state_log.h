// The state log: a queue's consumption state as a log of changes, appended (fsync=always)
// before the change is acknowledged, replayed over the messages log on open.
//
// Each record's value is 31 bytes: kind (1), offset (8), receipt nonce (4), visible-at ms
// (8), receive count (2), first-receive ms (8), big-endian; fields a kind does not use are 0.
// Appends from concurrent operations may land out of order, so replay must not depend on
// order where it can happen (see Queue::apply): deletes are final, a receive applies only if
// its receive count is higher, a visibility change only to the receive it names.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "common/status.h"
#include "storage/partition_log.h"

namespace sluice::queues {

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
  static Result<std::unique_ptr<QueueStateLog>> open(const std::filesystem::path& dir,
                                                     const storage::LogConfig& config,
                                                     storage::Clock clock);

  // Appends `changes` as one batch; returns once they are durable.
  Status append(const std::vector<StateChange>& changes, int64_t now_ms);
  // Calls `apply` for every recorded change, in log order.
  Status replay(const std::function<void(const StateChange&)>& apply) const;
  Status close() { return log_->close(); }
  const storage::LogRecovery& recovery() const { return log_->recovery(); }

 private:
  explicit QueueStateLog(std::unique_ptr<storage::PartitionLog> log) : log_(std::move(log)) {}

  std::unique_ptr<storage::PartitionLog> log_;
};

}  // namespace sluice::queues
