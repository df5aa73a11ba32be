// The Kafka wire primitives: a bounds-checked Reader and an appending Writer.
//
// Kafka has two encodings of variable-length things. "Classic" versions use an int16 length
// for strings and int32 lengths for bytes and arrays, with -1 meaning null. "Flexible"
// versions (KIP-482) use "compact" forms: an unsigned varint holding length + 1, so 0 means
// null, followed by a tagged-field section at the end of every struct. The generated codecs
// in messages/ pick the form per field and version; this file only knows the primitives.
//
// The Reader never reads past its end and never allocates more than the remaining input can
// justify: every length is checked against the bytes left before anything is sized by it, so
// a 2^31 element count fails at once instead of exhausting memory.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/file_range.h"
#include "common/status.h"

namespace sluice::kafka::protocol {

class RecordsSplicer;

using Uuid = std::array<uint8_t, 16>;

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  size_t remaining() const { return data_.size() - pos_; }
  // Bytes consumed so far; error messages report it so a bad frame can be located.
  size_t position() const { return pos_; }
  std::string_view rest() const { return data_.substr(pos_); }

  Status read_int8(int8_t* v);
  Status read_int16(int16_t* v);
  Status read_int32(int32_t* v);
  Status read_int64(int64_t* v);
  Status read_uint16(uint16_t* v);
  Status read_float64(double* v);
  // Kafka accepts any non-zero byte as true.
  Status read_bool(bool* v);
  Status read_uuid(Uuid* v);
  // Kafka's unsigned varint is 32 bits wide: at most 5 bytes.
  Status read_uvarint(uint32_t* v);
  // Zigzag varints as in record fields: "varint" is 32 bits, "varlong" 64 bits.
  Status read_varint(int32_t* v);
  Status read_varlong(int64_t* v);

  // int16 length; a negative length is an error (the schema forbids null here).
  Status read_string(std::string* v);
  // int16 length; -1 gives nullopt.
  Status read_nullable_string(std::optional<std::string>* v);
  // uvarint length + 1; 0 (null) is an error.
  Status read_compact_string(std::string* v);
  Status read_compact_nullable_string(std::optional<std::string>* v);

  Status read_bytes(std::string* v);
  Status read_nullable_bytes(std::optional<std::string>* v);
  Status read_compact_bytes(std::string* v);
  Status read_compact_nullable_bytes(std::optional<std::string>* v);
  // Nullable bytes returned as a view INTO the input: the caller keeps the buffer alive.
  // Used for record batches, which the broker stores as they arrive.
  Status read_nullable_bytes_view(std::optional<std::string_view>* v);
  Status read_compact_nullable_bytes_view(std::optional<std::string_view>* v);

  // Array element counts; -1 means null. `min_element_size` is the fewest bytes one element
  // can occupy (at least 1), so a count the remaining input cannot hold fails here.
  Status read_array_length(int32_t* count, size_t min_element_size);
  Status read_compact_array_length(int32_t* count, size_t min_element_size);

  // Arrays of T, each element read by `read_element(Reader&, T&) -> Status`.
  template <typename T, typename ReadElement>
  Status read_array(std::vector<T>* v, size_t min_element_size, ReadElement read_element);
  template <typename T, typename ReadElement>
  Status read_nullable_array(std::optional<std::vector<T>>* v, size_t min_element_size,
                             ReadElement read_element);
  template <typename T, typename ReadElement>
  Status read_compact_array(std::vector<T>* v, size_t min_element_size, ReadElement read_element);
  template <typename T, typename ReadElement>
  Status read_compact_nullable_array(std::optional<std::vector<T>>* v, size_t min_element_size,
                                     ReadElement read_element);

  // The tagged-field section of a flexible struct. `on_field(uint32_t tag, Reader& field)`
  // gets a Reader over exactly that field's bytes and returns a Status; whatever it leaves
  // unread is skipped, so unknown tags are ignored by returning OK without reading.
  template <typename OnField>
  Status read_tagged_fields(OnField on_field);
  Status skip_tagged_fields();

 private:
  Status truncated(const char* what, size_t need) const;
  Status check_element_count(int64_t count, size_t min_element_size, const char* what) const;
  Status read_length_prefixed(int64_t length, const char* what, std::string_view* v);
  // Reads a compact length field and returns length + 1 as stored (0 = null).
  Status read_compact_length(const char* what, int64_t* length);
  template <typename T, typename ReadElement>
  Status read_elements(int32_t count, std::vector<T>* v, ReadElement& read_element);

  std::string_view data_;
  size_t pos_ = 0;
};

// Appends to a caller-owned string; writes cannot fail.
class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}
  // With a splicer, records fields holding its stand-ins are written as their length prefix
  // only (records_splicer.h). REQUIRES: `splicer` outlives the writes.
  Writer(std::string* out, RecordsSplicer* splicer) : out_(out), splicer_(splicer) {}

  void write_int8(int8_t v) { out_->push_back(static_cast<char>(v)); }
  void write_int16(int16_t v);
  void write_int32(int32_t v);
  void write_int64(int64_t v);
  void write_uint16(uint16_t v);
  void write_float64(double v);
  void write_bool(bool v) { write_int8(v ? 1 : 0); }
  void write_uuid(const Uuid& v);
  void write_uvarint(uint32_t v);
  void write_varint(int32_t v);
  void write_varlong(int64_t v);
  void write_raw(std::string_view v) { out_->append(v); }

  // REQUIRES: v.size() <= INT16_MAX for the classic (int16-length) string forms.
  void write_string(std::string_view v);
  void write_nullable_string(std::optional<std::string_view> v);
  void write_compact_string(std::string_view v);
  void write_compact_nullable_string(std::optional<std::string_view> v);
  void write_bytes(std::string_view v);
  void write_nullable_bytes(std::optional<std::string_view> v);
  void write_compact_bytes(std::string_view v);
  void write_compact_nullable_bytes(std::optional<std::string_view> v);
  // A records field: nullable bytes, or a splicer's stand-in (then only the length prefix).
  void write_records(std::optional<std::string_view> v);
  void write_compact_records(std::optional<std::string_view> v);

  // -1 writes null.
  void write_array_length(int32_t count) { write_int32(count); }
  void write_compact_array_length(int32_t count);

  template <typename T, typename WriteElement>
  void write_array(const std::vector<T>& v, WriteElement write_element);
  template <typename T, typename WriteElement>
  void write_nullable_array(const std::optional<std::vector<T>>& v, WriteElement write_element);
  template <typename T, typename WriteElement>
  void write_compact_array(const std::vector<T>& v, WriteElement write_element);
  template <typename T, typename WriteElement>
  void write_compact_nullable_array(const std::optional<std::vector<T>>& v,
                                    WriteElement write_element);

  // An empty tagged-field section.
  void write_no_tagged_fields() { write_uvarint(0); }

  std::string& buffer() { return *out_; }

 private:
  const FileRange* spliced_range(std::optional<std::string_view> v) const;

  std::string* out_;
  RecordsSplicer* splicer_ = nullptr;
};

// Collects the tagged fields of one struct, then writes the section. Fields must be added
// in ascending tag order, as Kafka requires on the wire.
class TaggedFieldsWriter {
 public:
  // Returns a Writer for the payload of field `tag`; it stays valid until write_to().
  Writer add(uint32_t tag) {
    fields_.emplace_back(tag, std::string());
    return Writer(&fields_.back().second);
  }
  void write_to(Writer& out) const;

 private:
  std::deque<std::pair<uint32_t, std::string>> fields_;  // a deque keeps payloads in place
};

// Element codecs for Reader::read_*array and Writer::write_*array.

// Struct elements: the generated decode/encode at the message's version.
struct StructElements {
  int16_t version;

  template <typename T>
  Status operator()(Reader& in, T& element) const {
    return element.decode(in, version);
  }
  template <typename T>
  void operator()(Writer& out, const T& element) const {
    element.encode(out, version);
  }
};

// Fixed-width elements ([]int32, []int64, []uuid, ...).
struct FixedElements {
  Status operator()(Reader& in, int8_t& e) const { return in.read_int8(&e); }
  Status operator()(Reader& in, int16_t& e) const { return in.read_int16(&e); }
  Status operator()(Reader& in, uint16_t& e) const { return in.read_uint16(&e); }
  Status operator()(Reader& in, int32_t& e) const { return in.read_int32(&e); }
  Status operator()(Reader& in, int64_t& e) const { return in.read_int64(&e); }
  Status operator()(Reader& in, double& e) const { return in.read_float64(&e); }
  Status operator()(Reader& in, Uuid& e) const { return in.read_uuid(&e); }
  void operator()(Writer& out, int8_t e) const { out.write_int8(e); }
  void operator()(Writer& out, int16_t e) const { out.write_int16(e); }
  void operator()(Writer& out, uint16_t e) const { out.write_uint16(e); }
  void operator()(Writer& out, int32_t e) const { out.write_int32(e); }
  void operator()(Writer& out, int64_t e) const { out.write_int64(e); }
  void operator()(Writer& out, double e) const { out.write_float64(e); }
  void operator()(Writer& out, const Uuid& e) const { out.write_uuid(e); }
};

// []string in classic versions.
struct StringElements {
  Status operator()(Reader& in, std::string& e) const { return in.read_string(&e); }
  void operator()(Writer& out, const std::string& e) const { out.write_string(e); }
};

// []string in flexible versions.
struct CompactStringElements {
  Status operator()(Reader& in, std::string& e) const { return in.read_compact_string(&e); }
  void operator()(Writer& out, const std::string& e) const { out.write_compact_string(e); }
};

// The value of an optional string or array, or an empty one for null; used when a version
// that forbids null is written.
inline std::string_view value_or_empty(const std::optional<std::string>& v) {
  return v ? std::string_view(*v) : std::string_view();
}
template <typename T>
const std::vector<T>& value_or_empty(const std::optional<std::vector<T>>& v) {
  static const std::vector<T> kEmpty;
  return v ? *v : kEmpty;
}

template <typename T, typename ReadElement>
Status Reader::read_elements(int32_t count, std::vector<T>* v, ReadElement& read_element) {
  // The count was checked against the remaining bytes, so this allocation is bounded by
  // the input size.
  v->clear();
  v->resize(static_cast<size_t>(count));
  for (T& element : *v) SLUICE_RETURN_IF_ERROR(read_element(*this, element));
  return Status::ok();
}

template <typename T, typename ReadElement>
Status Reader::read_array(std::vector<T>* v, size_t min_element_size, ReadElement read_element) {
  int32_t count = 0;
  SLUICE_RETURN_IF_ERROR(read_array_length(&count, min_element_size));
  if (count < 0) return Status::corruption("null array where the schema forbids null");
  return read_elements(count, v, read_element);
}

template <typename T, typename ReadElement>
Status Reader::read_nullable_array(std::optional<std::vector<T>>* v, size_t min_element_size,
                                   ReadElement read_element) {
  int32_t count = 0;
  SLUICE_RETURN_IF_ERROR(read_array_length(&count, min_element_size));
  if (count < 0) {
    v->reset();
    return Status::ok();
  }
  return read_elements(count, &v->emplace(), read_element);
}

template <typename T, typename ReadElement>
Status Reader::read_compact_array(std::vector<T>* v, size_t min_element_size,
                                  ReadElement read_element) {
  int32_t count = 0;
  SLUICE_RETURN_IF_ERROR(read_compact_array_length(&count, min_element_size));
  if (count < 0) return Status::corruption("null compact array where the schema forbids null");
  return read_elements(count, v, read_element);
}

template <typename T, typename ReadElement>
Status Reader::read_compact_nullable_array(std::optional<std::vector<T>>* v,
                                           size_t min_element_size, ReadElement read_element) {
  int32_t count = 0;
  SLUICE_RETURN_IF_ERROR(read_compact_array_length(&count, min_element_size));
  if (count < 0) {
    v->reset();
    return Status::ok();
  }
  return read_elements(count, &v->emplace(), read_element);
}

template <typename OnField>
Status Reader::read_tagged_fields(OnField on_field) {
  uint32_t count = 0;
  SLUICE_RETURN_IF_ERROR(read_uvarint(&count));
  // Each field takes at least two bytes (tag and size).
  SLUICE_RETURN_IF_ERROR(check_element_count(count, 2, "tagged field count"));
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t tag = 0;
    uint32_t size = 0;
    SLUICE_RETURN_IF_ERROR(read_uvarint(&tag));
    SLUICE_RETURN_IF_ERROR(read_uvarint(&size));
    std::string_view payload;
    SLUICE_RETURN_IF_ERROR(read_length_prefixed(size, "tagged field", &payload));
    Reader field(payload);
    SLUICE_RETURN_IF_ERROR(on_field(tag, field));
  }
  return Status::ok();
}

template <typename T, typename WriteElement>
void Writer::write_array(const std::vector<T>& v, WriteElement write_element) {
  write_array_length(static_cast<int32_t>(v.size()));
  for (const T& element : v) write_element(*this, element);
}

template <typename T, typename WriteElement>
void Writer::write_nullable_array(const std::optional<std::vector<T>>& v,
                                  WriteElement write_element) {
  if (!v) {
    write_array_length(-1);
    return;
  }
  write_array(*v, write_element);
}

template <typename T, typename WriteElement>
void Writer::write_compact_array(const std::vector<T>& v, WriteElement write_element) {
  write_compact_array_length(static_cast<int32_t>(v.size()));
  for (const T& element : v) write_element(*this, element);
}

template <typename T, typename WriteElement>
void Writer::write_compact_nullable_array(const std::optional<std::vector<T>>& v,
                                          WriteElement write_element) {
  if (!v) {
    write_compact_array_length(-1);
    return;
  }
  write_compact_array(*v, write_element);
}

}  // namespace sluice::kafka::protocol
