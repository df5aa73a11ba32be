#include "storage/record_batch.h"

#include <string>

#include "common/coding.h"
#include "common/crc32c.h"
#include "storage/record_reader.h"

namespace sluice::storage {

using namespace format;

Result<RecordBatchView> RecordBatchView::parse(std::string_view bytes) {
  if (bytes.size() < static_cast<size_t>(kBatchHeaderSize)) {
    return Status::corruption("record batch truncated: " + std::to_string(bytes.size()) +
                              " bytes, header needs " + std::to_string(kBatchHeaderSize));
  }
  const auto length = static_cast<int32_t>(load_be32(bytes.data() + kBatchLengthPos));
  if (length < kMinBatchLength) {
    return Status::corruption("record batch length " + std::to_string(length) +
                              " below the minimum " + std::to_string(kMinBatchLength));
  }
  const uint64_t total = static_cast<uint64_t>(length) + kLogOverhead;
  if (total > bytes.size()) {
    return Status::corruption("record batch truncated: length field says " + std::to_string(total) +
                              " bytes, " + std::to_string(bytes.size()) + " present");
  }
  const auto magic = static_cast<int8_t>(bytes[kMagicPos]);
  if (magic != kMagicV2) {
    return Status::corruption("record batch magic " + std::to_string(magic) +
                              ", only v2 (magic 2) is supported");
  }
  return RecordBatchView(bytes.substr(0, total));
}

int64_t RecordBatchView::base_offset() const {
  return static_cast<int64_t>(load_be64(bytes_.data() + kBaseOffsetPos));
}
int32_t RecordBatchView::leader_epoch() const {
  return static_cast<int32_t>(load_be32(bytes_.data() + kLeaderEpochPos));
}
int8_t RecordBatchView::magic() const {
  return static_cast<int8_t>(bytes_[kMagicPos]);
}
uint32_t RecordBatchView::crc() const {
  return load_be32(bytes_.data() + kCrcPos);
}
int16_t RecordBatchView::attributes() const {
  return static_cast<int16_t>(load_be16(bytes_.data() + kAttributesPos));
}
int32_t RecordBatchView::last_offset_delta() const {
  return static_cast<int32_t>(load_be32(bytes_.data() + kLastOffsetDeltaPos));
}
int64_t RecordBatchView::base_timestamp() const {
  return static_cast<int64_t>(load_be64(bytes_.data() + kBaseTimestampPos));
}
int64_t RecordBatchView::max_timestamp() const {
  return static_cast<int64_t>(load_be64(bytes_.data() + kMaxTimestampPos));
}
int64_t RecordBatchView::producer_id() const {
  return static_cast<int64_t>(load_be64(bytes_.data() + kProducerIdPos));
}
int16_t RecordBatchView::producer_epoch() const {
  return static_cast<int16_t>(load_be16(bytes_.data() + kProducerEpochPos));
}
int32_t RecordBatchView::base_sequence() const {
  return static_cast<int32_t>(load_be32(bytes_.data() + kBaseSequencePos));
}
int32_t RecordBatchView::record_count() const {
  return static_cast<int32_t>(load_be32(bytes_.data() + kRecordCountPos));
}

uint32_t RecordBatchView::compute_crc() const {
  return crc32c::value(bytes_.data() + kAttributesPos, bytes_.size() - kAttributesPos);
}

bool RecordBatchView::crc_matches() const {
  return compute_crc() == crc();
}

Result<std::optional<TimestampedOffset>> RecordBatchView::first_record_at_or_after(
    int64_t timestamp) const {
  using Found = std::optional<TimestampedOffset>;
  if (max_timestamp() < timestamp) return Found();
  if (compression() != 0 || has_log_append_time()) {
    return Found(TimestampedOffset{base_offset(), max_timestamp()});
  }
  SLUICE_ASSIGN_OR_RETURN(auto records, read_records(*this));
  for (const auto& record : records) {
    if (record.timestamp >= timestamp)
      return Found(TimestampedOffset{record.offset, record.timestamp});
  }
  return Found();
}

Result<std::vector<RecordBatchView>> split_batches(std::string_view bytes,
                                                   int64_t max_batch_bytes) {
  std::vector<RecordBatchView> batches;
  size_t position = 0;
  while (position < bytes.size()) {
    const std::string where =
        "batch " + std::to_string(batches.size()) + " at byte " + std::to_string(position);
    auto parsed = RecordBatchView::parse(bytes.substr(position));
    if (!parsed.is_ok()) return Status::corruption(where + ": " + parsed.status().message());
    const RecordBatchView& batch = *parsed;
    if (batch.size() > max_batch_bytes) {
      return Status::too_large(where + ": " + std::to_string(batch.size()) +
                               " bytes exceeds the limit of " + std::to_string(max_batch_bytes));
    }
    if (batch.last_offset_delta() < 0) {
      return Status::corruption(where + ": negative lastOffsetDelta " +
                                std::to_string(batch.last_offset_delta()));
    }
    if (!batch.crc_matches()) {
      return Status::corruption(where + ": CRC mismatch (stored " + std::to_string(batch.crc()) +
                                ", computed " + std::to_string(batch.compute_crc()) + ")");
    }
    batches.push_back(batch);
    position += batch.size();
  }
  if (batches.empty()) return Status::invalid_argument("no record batches to append");
  return batches;
}

void stamp_base_offset(char* batch, int64_t base_offset) {
  store_be64(batch + kBaseOffsetPos, static_cast<uint64_t>(base_offset));
}

void stamp_leader_epoch(char* batch, int32_t leader_epoch) {
  store_be32(batch + kLeaderEpochPos, static_cast<uint32_t>(leader_epoch));
}

void stamp_log_append_time(char* batch, size_t size, int64_t now_ms) {
  const auto attributes = static_cast<uint16_t>(load_be16(batch + kAttributesPos));
  store_be16(batch + kAttributesPos, attributes | kTimestampTypeLogAppend);
  store_be64(batch + kMaxTimestampPos, static_cast<uint64_t>(now_ms));
  store_be32(batch + kCrcPos, crc32c::value(batch + kAttributesPos, size - kAttributesPos));
}

}  // namespace sluice::storage
