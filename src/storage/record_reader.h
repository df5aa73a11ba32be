// Decoding the records inside an uncompressed v2 record batch: what Sluice needs when it
// reads its own logs (committed offsets, queue state) and for timestamp lookups.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/record_batch.h"

namespace sluice::storage {

struct RecordHeaderView {
  std::string_view key;
  std::optional<std::string_view> value;
};

// One record; the views point into the batch's bytes.
struct Record {
  int64_t offset = 0;
  int64_t timestamp = 0;
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  std::vector<RecordHeaderView> headers;
};

// Every record of `batch`, in order. InvalidArgument for a compressed batch (storage never
// decompresses); Corruption when a record does not parse or the count is wrong.
Result<std::vector<Record>> read_records(const RecordBatchView& batch);

}  // namespace sluice::storage
