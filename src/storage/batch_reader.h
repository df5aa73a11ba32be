// Reading a log forward: whole batches from an offset, a chunk at a time within a byte
// budget, and the records in them. The one read loop behind the offset store's replay, the
// queue logs' scans and (next) a follower's fetch; Fetch reads one chunk per partition.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>

#include "common/status.h"
#include "storage/partition_log.h"
#include "storage/record_batch.h"
#include "storage/record_reader.h"

namespace sluice::storage {

class BatchReader {
 public:
  // Reads from max(`from`, the log start) up to `until` (exclusive; the log end by default)
  // in chunks of at most `chunk_bytes` (a single larger batch still comes whole).
  BatchReader(const PartitionLog& log, int64_t from,
              int64_t until = std::numeric_limits<int64_t>::max(),
              int64_t chunk_bytes = int64_t{1} << 20);

  // The next whole batches, in offset order; empty once `until` or the log end is reached.
  // The views stay valid until the next call.
  Result<std::vector<RecordBatchView>> next();
  // The offset the next chunk starts at.
  int64_t position() const { return position_; }

 private:
  const PartitionLog& log_;
  int64_t position_;
  const int64_t until_;
  const int64_t chunk_bytes_;
  std::string buffer_;
};

// Calls `visit` for every record from max(`from`, the log start) to the log end, in offset
// order (records of a batch straddling `from` that lie below it are skipped); stops at the
// first non-OK Status `visit` returns and returns it.
Status for_each_record(const PartitionLog& log, int64_t from,
                       const std::function<Status(const Record&)>& visit);

}  // namespace sluice::storage
