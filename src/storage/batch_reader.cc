#include "storage/batch_reader.h"

#include <algorithm>

namespace sluice::storage {

BatchReader::BatchReader(const PartitionLog& log, int64_t from, int64_t until, int64_t chunk_bytes)
    : log_(log),
      position_(std::max(from, log.log_start_offset())),
      until_(until),
      chunk_bytes_(chunk_bytes) {}

Result<std::vector<RecordBatchView>> BatchReader::next() {
  std::vector<RecordBatchView> batches;
  const int64_t end = std::min(until_, log_.log_end_offset());
  if (position_ >= end) return batches;
  ReadOptions options;
  options.max_bytes = chunk_bytes_;
  options.max_offset = end;
  SLUICE_ASSIGN_OR_RETURN(auto read, log_.read(position_, options));
  buffer_.clear();
  SLUICE_RETURN_IF_ERROR(read.append_to(&buffer_));
  SLUICE_ASSIGN_OR_RETURN(batches, split_batches(buffer_, std::numeric_limits<int32_t>::max()));
  if (!batches.empty()) position_ = batches.back().last_offset() + 1;
  return batches;
}

Status for_each_record(const PartitionLog& log, int64_t from,
                       const std::function<Status(const Record&)>& visit) {
  BatchReader reader(log, from);
  const int64_t first = reader.position();
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(auto batches, reader.next());
    if (batches.empty()) return Status::ok();
    for (const auto& batch : batches) {
      SLUICE_ASSIGN_OR_RETURN(auto records, read_records(batch));
      for (const auto& record : records) {
        // A batch straddling the start (the log start, or `from`) holds older records.
        if (record.offset < first) continue;
        SLUICE_RETURN_IF_ERROR(visit(record));
      }
    }
  }
}

}  // namespace sluice::storage
