#include "storage/record_reader.h"

#include <string>

#include "common/coding.h"
#include "storage/format.h"

namespace sluice::storage {
namespace {

// A varint-length-prefixed byte string; length -1 is null.
bool read_nullable(std::string_view* in, std::optional<std::string_view>* out) {
  auto length = get_varint(in, 5);
  if (!length || *length < -1 || *length > static_cast<int64_t>(in->size())) return false;
  if (*length == -1) {
    *out = std::nullopt;
    return true;
  }
  *out = in->substr(0, static_cast<size_t>(*length));
  in->remove_prefix(static_cast<size_t>(*length));
  return true;
}

Status decode_record(std::string_view body, const RecordBatchView& batch, Record* record) {
  if (body.empty()) return Status::corruption("empty record");
  body.remove_prefix(1);  // attributes: unused in v2
  auto timestamp_delta = get_varint(&body);
  auto offset_delta = get_varint(&body, 5);
  if (!timestamp_delta || !offset_delta) return Status::corruption("bad record header");
  record->timestamp = batch.has_log_append_time() ? batch.max_timestamp()
                                                  : batch.base_timestamp() + *timestamp_delta;
  record->offset = batch.base_offset() + *offset_delta;
  if (!read_nullable(&body, &record->key) || !read_nullable(&body, &record->value)) {
    return Status::corruption("bad record key or value length");
  }
  auto header_count = get_varint(&body, 5);
  if (!header_count || *header_count < 0 || *header_count > static_cast<int64_t>(body.size())) {
    return Status::corruption("bad record header count");
  }
  for (int64_t i = 0; i < *header_count; ++i) {
    std::optional<std::string_view> key;
    RecordHeaderView header;
    if (!read_nullable(&body, &key) || !key || !read_nullable(&body, &header.value)) {
      return Status::corruption("bad record header " + std::to_string(i));
    }
    header.key = *key;
    record->headers.push_back(header);
  }
  if (!body.empty()) return Status::corruption("trailing bytes in record");
  return Status::ok();
}

}  // namespace

Result<std::vector<Record>> read_records(const RecordBatchView& batch) {
  if (batch.compression() != 0) {
    return Status::invalid_argument("batch at offset " + std::to_string(batch.base_offset()) +
                                    " is compressed");
  }
  const int32_t count = batch.record_count();
  std::string_view records = batch.bytes().substr(format::kBatchHeaderSize);
  // Each record takes at least 7 bytes: the count cannot promise more than the bytes hold.
  if (count < 0 || static_cast<size_t>(count) > records.size()) {
    return Status::corruption("record count " + std::to_string(count) + " does not fit the batch");
  }
  std::vector<Record> out;
  out.reserve(static_cast<size_t>(count));
  for (int32_t i = 0; i < count; ++i) {
    auto length = get_varint(&records, 5);
    if (!length || *length < 0 || *length > static_cast<int64_t>(records.size())) {
      return Status::corruption("record " + std::to_string(i) + " has a bad length");
    }
    Record record;
    SLUICE_RETURN_IF_ERROR(
        decode_record(records.substr(0, static_cast<size_t>(*length)), batch, &record));
    records.remove_prefix(static_cast<size_t>(*length));
    out.push_back(std::move(record));
  }
  if (!records.empty()) return Status::corruption("bytes after the last record");
  return out;
}

}  // namespace sluice::storage
