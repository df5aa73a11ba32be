#include "kafka/protocol/wire.h"

#include <bit>
#include <cassert>
#include <cstring>
#include <limits>

#include "common/coding.h"
#include "kafka/protocol/records_splicer.h"

namespace sluice::kafka::protocol {

Status Reader::truncated(const char* what, size_t need) const {
  return Status::corruption(std::string("truncated ") + what + " at byte " + std::to_string(pos_) +
                            ": need " + std::to_string(need) + " bytes, have " +
                            std::to_string(remaining()));
}

Status Reader::check_element_count(int64_t count, size_t min_element_size, const char* what) const {
  assert(min_element_size > 0);
  if (count > static_cast<int64_t>(remaining() / min_element_size)) {
    return Status::corruption(std::string(what) + " " + std::to_string(count) + " at byte " +
                              std::to_string(pos_) + " exceeds the " + std::to_string(remaining()) +
                              " bytes left");
  }
  return Status::ok();
}

Status Reader::read_length_prefixed(int64_t length, const char* what, std::string_view* v) {
  if (length < 0 || static_cast<uint64_t>(length) > remaining()) {
    return Status::corruption(std::string(what) + " length " + std::to_string(length) +
                              " at byte " + std::to_string(pos_) + " exceeds the " +
                              std::to_string(remaining()) + " bytes left");
  }
  *v = data_.substr(pos_, static_cast<size_t>(length));
  pos_ += static_cast<size_t>(length);
  return Status::ok();
}

Status Reader::read_int8(int8_t* v) {
  if (remaining() < 1) return truncated("int8", 1);
  *v = static_cast<int8_t>(data_[pos_]);
  pos_ += 1;
  return Status::ok();
}

Status Reader::read_int16(int16_t* v) {
  uint16_t u = 0;
  SLUICE_RETURN_IF_ERROR(read_uint16(&u));
  *v = static_cast<int16_t>(u);
  return Status::ok();
}

Status Reader::read_uint16(uint16_t* v) {
  if (remaining() < 2) return truncated("int16", 2);
  *v = load_be16(data_.data() + pos_);
  pos_ += 2;
  return Status::ok();
}

Status Reader::read_int32(int32_t* v) {
  if (remaining() < 4) return truncated("int32", 4);
  *v = static_cast<int32_t>(load_be32(data_.data() + pos_));
  pos_ += 4;
  return Status::ok();
}

Status Reader::read_int64(int64_t* v) {
  if (remaining() < 8) return truncated("int64", 8);
  *v = static_cast<int64_t>(load_be64(data_.data() + pos_));
  pos_ += 8;
  return Status::ok();
}

Status Reader::read_float64(double* v) {
  if (remaining() < 8) return truncated("float64", 8);
  *v = std::bit_cast<double>(load_be64(data_.data() + pos_));
  pos_ += 8;
  return Status::ok();
}

Status Reader::read_bool(bool* v) {
  int8_t b = 0;
  SLUICE_RETURN_IF_ERROR(read_int8(&b));
  *v = b != 0;
  return Status::ok();
}

Status Reader::read_uuid(Uuid* v) {
  if (remaining() < v->size()) return truncated("uuid", v->size());
  std::memcpy(v->data(), data_.data() + pos_, v->size());
  pos_ += v->size();
  return Status::ok();
}

Status Reader::read_uvarint(uint32_t* v) {
  std::string_view in = rest();
  const auto value = get_uvarint(&in, 5);
  if (!value || *value > std::numeric_limits<uint32_t>::max()) {
    return Status::corruption("bad unsigned varint at byte " + std::to_string(pos_));
  }
  pos_ = data_.size() - in.size();
  *v = static_cast<uint32_t>(*value);
  return Status::ok();
}

Status Reader::read_varint(int32_t* v) {
  std::string_view in = rest();
  const auto value = get_varint(&in, 5);
  if (!value || *value < std::numeric_limits<int32_t>::min() ||
      *value > std::numeric_limits<int32_t>::max()) {
    return Status::corruption("bad varint at byte " + std::to_string(pos_));
  }
  pos_ = data_.size() - in.size();
  *v = static_cast<int32_t>(*value);
  return Status::ok();
}

Status Reader::read_varlong(int64_t* v) {
  std::string_view in = rest();
  const auto value = get_varint(&in, 10);
  if (!value) return Status::corruption("bad varlong at byte " + std::to_string(pos_));
  pos_ = data_.size() - in.size();
  *v = *value;
  return Status::ok();
}

Status Reader::read_compact_length(const char* what, int64_t* length) {
  uint32_t stored = 0;
  const size_t start = pos_;
  Status s = read_uvarint(&stored);
  if (!s.is_ok()) {
    return Status::corruption(std::string("bad ") + what + " length at byte " +
                              std::to_string(start));
  }
  *length = static_cast<int64_t>(stored) - 1;
  return Status::ok();
}

Status Reader::read_string(std::string* v) {
  int16_t length = 0;
  SLUICE_RETURN_IF_ERROR(read_int16(&length));
  std::string_view bytes;
  SLUICE_RETURN_IF_ERROR(read_length_prefixed(length, "string", &bytes));
  v->assign(bytes);
  return Status::ok();
}

Status Reader::read_nullable_string(std::optional<std::string>* v) {
  int16_t length = 0;
  SLUICE_RETURN_IF_ERROR(read_int16(&length));
  if (length == -1) {
    v->reset();
    return Status::ok();
  }
  std::string_view bytes;
  SLUICE_RETURN_IF_ERROR(read_length_prefixed(length, "nullable string", &bytes));
  v->emplace(bytes);
  return Status::ok();
}

Status Reader::read_compact_string(std::string* v) {
  int64_t length = 0;
  SLUICE_RETURN_IF_ERROR(read_compact_length("compact string", &length));
  std::string_view bytes;
  SLUICE_RETURN_IF_ERROR(read_length_prefixed(length, "compact string", &bytes));
  v->assign(bytes);
  return Status::ok();
}

Status Reader::read_compact_nullable_string(std::optional<std::string>* v) {
  int64_t length = 0;
  SLUICE_RETURN_IF_ERROR(read_compact_length("compact nullable string", &length));
  if (length == -1) {
    v->reset();
    return Status::ok();
  }
  std::string_view bytes;
  SLUICE_RETURN_IF_ERROR(read_length_prefixed(length, "compact nullable string", &bytes));
  v->emplace(bytes);
  return Status::ok();
}

Status Reader::read_bytes(std::string* v) {
  int32_t length = 0;
  SLUICE_RETURN_IF_ERROR(read_int32(&length));
  std::string_view bytes;
  SLUICE_RETURN_IF_ERROR(read_length_prefixed(length, "bytes", &bytes));
  v->assign(bytes);
  return Status::ok();
}

Status Reader::read_nullable_bytes(std::optional<std::string>* v) {
  std::optional<std::string_view> view;
  SLUICE_RETURN_IF_ERROR(read_nullable_bytes_view(&view));
  if (view) {
    v->emplace(*view);
  } else {
    v->reset();
  }
  return Status::ok();
}

Status Reader::read_compact_bytes(std::string* v) {
  int64_t length = 0;
  SLUICE_RETURN_IF_ERROR(read_compact_length("compact bytes", &length));
  std::string_view bytes;
  SLUICE_RETURN_IF_ERROR(read_length_prefixed(length, "compact bytes", &bytes));
  v->assign(bytes);
  return Status::ok();
}

Status Reader::read_compact_nullable_bytes(std::optional<std::string>* v) {
  std::optional<std::string_view> view;
  SLUICE_RETURN_IF_ERROR(read_compact_nullable_bytes_view(&view));
  if (view) {
    v->emplace(*view);
  } else {
    v->reset();
  }
  return Status::ok();
}

Status Reader::read_nullable_bytes_view(std::optional<std::string_view>* v) {
  int32_t length = 0;
  SLUICE_RETURN_IF_ERROR(read_int32(&length));
  if (length == -1) {
    v->reset();
    return Status::ok();
  }
  std::string_view bytes;
  SLUICE_RETURN_IF_ERROR(read_length_prefixed(length, "nullable bytes", &bytes));
  *v = bytes;
  return Status::ok();
}

Status Reader::read_compact_nullable_bytes_view(std::optional<std::string_view>* v) {
  int64_t length = 0;
  SLUICE_RETURN_IF_ERROR(read_compact_length("compact nullable bytes", &length));
  if (length == -1) {
    v->reset();
    return Status::ok();
  }
  std::string_view bytes;
  SLUICE_RETURN_IF_ERROR(read_length_prefixed(length, "compact nullable bytes", &bytes));
  *v = bytes;
  return Status::ok();
}

Status Reader::read_array_length(int32_t* count, size_t min_element_size) {
  const size_t start = pos_;
  SLUICE_RETURN_IF_ERROR(read_int32(count));
  if (*count < -1) {
    return Status::corruption("negative array length " + std::to_string(*count) + " at byte " +
                              std::to_string(start));
  }
  return check_element_count(*count, min_element_size, "array length");
}

Status Reader::read_compact_array_length(int32_t* count, size_t min_element_size) {
  int64_t length = 0;
  SLUICE_RETURN_IF_ERROR(read_compact_length("compact array", &length));
  SLUICE_RETURN_IF_ERROR(check_element_count(length, min_element_size, "compact array length"));
  // Bounded by the remaining input, hence by INT32_MAX.
  *count = static_cast<int32_t>(length);
  return Status::ok();
}

Status Reader::skip_tagged_fields() {
  return read_tagged_fields([](uint32_t, Reader&) { return Status::ok(); });
}

void Writer::write_int16(int16_t v) {
  put_be16(*out_, static_cast<uint16_t>(v));
}
void Writer::write_uint16(uint16_t v) {
  put_be16(*out_, v);
}
void Writer::write_int32(int32_t v) {
  put_be32(*out_, static_cast<uint32_t>(v));
}
void Writer::write_int64(int64_t v) {
  put_be64(*out_, static_cast<uint64_t>(v));
}
void Writer::write_float64(double v) {
  put_be64(*out_, std::bit_cast<uint64_t>(v));
}

void Writer::write_uuid(const Uuid& v) {
  out_->append(reinterpret_cast<const char*>(v.data()), v.size());
}

void Writer::write_uvarint(uint32_t v) {
  put_uvarint(*out_, v);
}

void Writer::write_varint(int32_t v) {
  put_varint(*out_, v);
}

void Writer::write_varlong(int64_t v) {
  put_varint(*out_, v);
}

void Writer::write_string(std::string_view v) {
  assert(v.size() <= static_cast<size_t>(std::numeric_limits<int16_t>::max()));
  write_int16(static_cast<int16_t>(v.size()));
  out_->append(v);
}

void Writer::write_nullable_string(std::optional<std::string_view> v) {
  if (!v) {
    write_int16(-1);
    return;
  }
  write_string(*v);
}

void Writer::write_compact_string(std::string_view v) {
  write_uvarint(static_cast<uint32_t>(v.size() + 1));
  out_->append(v);
}

void Writer::write_compact_nullable_string(std::optional<std::string_view> v) {
  if (!v) {
    write_uvarint(0);
    return;
  }
  write_compact_string(*v);
}

void Writer::write_bytes(std::string_view v) {
  write_int32(static_cast<int32_t>(v.size()));
  out_->append(v);
}

void Writer::write_nullable_bytes(std::optional<std::string_view> v) {
  if (!v) {
    write_int32(-1);
    return;
  }
  write_bytes(*v);
}

void Writer::write_compact_bytes(std::string_view v) {
  write_compact_string(v);
}

void Writer::write_compact_nullable_bytes(std::optional<std::string_view> v) {
  write_compact_nullable_string(v);
}

const FileRange* Writer::spliced_range(std::optional<std::string_view> v) const {
  return splicer_ != nullptr && v ? splicer_->find(*v) : nullptr;
}

void Writer::write_records(std::optional<std::string_view> v) {
  const FileRange* range = spliced_range(v);
  if (range == nullptr) {
    write_nullable_bytes(v);
    return;
  }
  write_int32(static_cast<int32_t>(range->size));
  splicer_->spliced(*range, out_->size());
}

void Writer::write_compact_records(std::optional<std::string_view> v) {
  const FileRange* range = spliced_range(v);
  if (range == nullptr) {
    write_compact_nullable_bytes(v);
    return;
  }
  write_uvarint(static_cast<uint32_t>(range->size + 1));
  splicer_->spliced(*range, out_->size());
}

void Writer::write_compact_array_length(int32_t count) {
  write_uvarint(static_cast<uint32_t>(count + 1));
}

void TaggedFieldsWriter::write_to(Writer& out) const {
  out.write_uvarint(static_cast<uint32_t>(fields_.size()));
  for (const auto& [tag, payload] : fields_) {
    out.write_uvarint(tag);
    out.write_uvarint(static_cast<uint32_t>(payload.size()));
    out.write_raw(payload);
  }
}

}  // namespace sluice::kafka::protocol
