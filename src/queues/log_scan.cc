#include "queues/log_scan.h"

#include <algorithm>
#include <climits>
#include <string>

#include "storage/batch_reader.h"
#include "storage/record_batch.h"

namespace sluice::queues {

Status with_record(const storage::PartitionLog& log, int64_t offset,
                   const std::function<Status(const storage::Record&)>& visit) {
  storage::ReadOptions options;
  options.max_bytes = 1;  // the first batch only: min_one_batch returns it whole
  auto read = log.read(offset, options);
  if (!read.is_ok()) {
    if (read.status().code() == StatusCode::kOutOfRange) {
      return Status::not_found("message at offset " + std::to_string(offset) + " is gone");
    }
    return read.status();
  }
  std::string bytes;
  SLUICE_RETURN_IF_ERROR(read->append_to(&bytes));
  SLUICE_ASSIGN_OR_RETURN(auto batches, storage::split_batches(bytes, INT32_MAX));
  for (const auto& batch : batches) {
    SLUICE_ASSIGN_OR_RETURN(auto records, storage::read_records(batch));
    for (const auto& record : records) {
      if (record.offset == offset) return visit(record);
    }
  }
  return Status::not_found("message at offset " + std::to_string(offset) + " is gone");
}

}  // namespace sluice::queues
