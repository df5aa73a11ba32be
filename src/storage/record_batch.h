// Reading, checking and stamping Kafka v2 record batches (layout in storage/format.h).
//
// Storage treats a batch as opaque bytes plus a handful of header fields; it never
// decompresses records. The few places that need record-level detail (timestamp lookup
// in an uncompressed batch) walk the records here, and compressed batches answer at batch
// granularity.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/format.h"

namespace sluice::storage {

// A record's offset and its timestamp (ListOffsets answers with both).
struct TimestampedOffset {
  int64_t offset = 0;
  int64_t timestamp = 0;
  bool operator==(const TimestampedOffset&) const = default;
};

// A view of one record batch. It does not own the bytes.
class RecordBatchView {
 public:
  // Checks that `bytes` starts with a structurally whole v2 batch header (length field in
  // range, the whole batch present, magic 2) and returns a view of exactly that batch.
  // Does not check the CRC; see crc_matches().
  static Result<RecordBatchView> parse(std::string_view bytes);

  std::string_view bytes() const { return bytes_; }
  uint32_t size() const { return static_cast<uint32_t>(bytes_.size()); }

  int64_t base_offset() const;
  int32_t leader_epoch() const;
  int8_t magic() const;
  uint32_t crc() const;
  int16_t attributes() const;
  int32_t last_offset_delta() const;
  int64_t last_offset() const { return base_offset() + last_offset_delta(); }
  int64_t base_timestamp() const;
  int64_t max_timestamp() const;
  int64_t producer_id() const;
  int16_t producer_epoch() const;
  int32_t base_sequence() const;
  int32_t record_count() const;

  int compression() const { return attributes() & format::kCompressionMask; }
  bool has_log_append_time() const { return attributes() & format::kTimestampTypeLogAppend; }
  bool is_transactional() const { return attributes() & format::kTransactionalFlag; }
  bool is_control() const { return attributes() & format::kControlFlag; }

  bool crc_matches() const;
  uint32_t compute_crc() const;

  // The first record whose timestamp is >= `timestamp`, or nullopt if none. Compressed and
  // LogAppendTime batches are not opened: they answer {base_offset(), max_timestamp()} when
  // max_timestamp() is high enough (a fetch from there returns the wanted record, and
  // clients skip the earlier ones).
  Result<std::optional<TimestampedOffset>> first_record_at_or_after(int64_t timestamp) const;

 private:
  explicit RecordBatchView(std::string_view bytes) : bytes_(bytes) {}
  std::string_view bytes_;
};

// Splits a buffer of back-to-back batches and checks each one (structure, magic, CRC, a
// non-negative lastOffsetDelta, size <= max_batch_bytes). The buffer must hold whole batches
// only. Returns Corruption or TooLarge naming the first bad batch's index and byte position.
Result<std::vector<RecordBatchView>> split_batches(std::string_view bytes, int64_t max_batch_bytes);

// Broker-side stamping, done in place on a batch about to be written.
// base offset and leader epoch sit outside the CRC, so they are a plain store.
void stamp_base_offset(char* batch, int64_t base_offset);
void stamp_leader_epoch(char* batch, int32_t leader_epoch);
// Marks the batch LogAppendTime with max timestamp `now_ms`, then recomputes the CRC.
void stamp_log_append_time(char* batch, size_t size, int64_t now_ms);

}  // namespace sluice::storage
