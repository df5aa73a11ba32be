// What an append owes its caller: a promise that its bytes become durable under the log's
// fsync policy. The append itself returns as soon as the bytes are written (offsets assigned,
// readable by the log's own services); the ticket completes once they are on disk, so a
// caller that must not acknowledge earlier (Produce with acks, an SQS send) waits on it
// without holding a thread.
#pragma once

#include <cstdint>
#include <functional>

#include "common/status.h"

namespace sluice::storage {

class PartitionLog;

// OK once durable; the log's sticky error if it went offline (a failed fdatasync) first.
using DurableCallback = std::function<void(Status)>;

class DurabilityTicket {
 public:
  // A ticket with nothing to wait for (fsync=interval or never: an append is acknowledged
  // once written).
  DurabilityTicket() = default;

  // Calls `done` once every offset below offset() is durable: at once, on this thread, when
  // it already is; otherwise on a LogSyncer thread right after the fdatasync that made it so.
  // Callbacks completed by the same fdatasync run in offset order. `done` must be quick and
  // must not block (post real work to an executor).
  // REQUIRES: the log outlives the call of `done`.
  void then(DurableCallback done) const;

  // Blocks the calling thread until then() would have run `done`. For tests, tools and the
  // blocking PartitionLog::append(); request paths use then().
  Status wait() const;

  // One past the last offset this ticket covers; 0 for a ticket with nothing to wait for.
  int64_t offset() const { return offset_; }

 private:
  friend class PartitionLog;
  DurabilityTicket(PartitionLog* log, int64_t offset) : log_(log), offset_(offset) {}

  PartitionLog* log_ = nullptr;
  int64_t offset_ = 0;
};

}  // namespace sluice::storage
