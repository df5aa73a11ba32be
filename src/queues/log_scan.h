// Reading one record of a queue's own logs back: a message body on receive. (The replay on
// open walks the log with storage::for_each_record, storage/batch_reader.h.)
#pragma once

#include <cstdint>
#include <functional>

#include "common/status.h"
#include "storage/partition_log.h"
#include "storage/record_reader.h"

namespace sluice::queues {

// Calls `visit` with the record at `offset`. NotFound when the log no longer holds it.
Status with_record(const storage::PartitionLog& log, int64_t offset,
                   const std::function<Status(const storage::Record&)>& visit);

}  // namespace sluice::queues
