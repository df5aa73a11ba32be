// Reading a queue's own logs back: every record from the log start (replay on open) or the
// one record at an offset (a message body on receive).
#pragma once

#include <cstdint>
#include <functional>

#include "common/status.h"
#include "storage/partition_log.h"
#include "storage/record_reader.h"

namespace sluice::queues {

// Calls `visit` for every record from max(`from`, the log start) to the log end, in offset
// order; stops at the first non-OK Status `visit` returns and returns it.
Status for_each_record(const storage::PartitionLog& log, int64_t from,
                       const std::function<Status(const storage::Record&)>& visit);

// Calls `visit` with the record at `offset`. NotFound when the log no longer holds it.
Status with_record(const storage::PartitionLog& log, int64_t offset,
                   const std::function<Status(const storage::Record&)>& visit);

}  // namespace sluice::queues
