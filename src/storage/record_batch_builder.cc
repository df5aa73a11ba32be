#include "storage/record_batch_builder.h"

#include <algorithm>

#include "common/coding.h"
#include "common/crc32c.h"
#include "storage/format.h"

namespace sluice::storage {

using namespace format;

RecordBatchBuilder& RecordBatchBuilder::set_producer(int64_t producer_id, int16_t epoch,
                                                     int32_t base_sequence) {
  producer_id_ = producer_id;
  producer_epoch_ = epoch;
  base_sequence_ = base_sequence;
  return *this;
}

namespace {
void put_nullable_bytes(std::string& out, const std::optional<std::string_view>& bytes) {
  if (!bytes) {
    put_varint(out, -1);
    return;
  }
  put_varint(out, static_cast<int64_t>(bytes->size()));
  out.append(*bytes);
}
}  // namespace

RecordBatchBuilder& RecordBatchBuilder::add(std::optional<std::string_view> key,
                                            std::optional<std::string_view> value,
                                            int64_t timestamp,
                                            const std::vector<RecordHeader>& headers) {
  std::string body;
  body.push_back(0);  // record attributes: unused
  put_varint(body, timestamp - base_timestamp_);
  put_varint(body, count_);
  put_nullable_bytes(body, key);
  put_nullable_bytes(body, value);
  put_varint(body, static_cast<int64_t>(headers.size()));
  for (const auto& header : headers) {
    put_nullable_bytes(body, std::string_view(header.key));
    put_nullable_bytes(
        body, header.value ? std::optional<std::string_view>(*header.value) : std::nullopt);
  }
  put_varint(records_, static_cast<int64_t>(body.size()));
  records_ += body;
  max_timestamp_ = std::max(max_timestamp_, timestamp);
  ++count_;
  return *this;
}

std::string RecordBatchBuilder::build() const {
  std::string out;
  out.reserve(kBatchHeaderSize + records_.size());
  put_be64(out, 0);  // base offset: assigned by the broker
  put_be32(out, static_cast<uint32_t>(kBatchHeaderSize - kLogOverhead + records_.size()));
  put_be32(out, static_cast<uint32_t>(-1));  // partition leader epoch: stamped by the broker
  out.push_back(kMagicV2);
  put_be32(out, 0);  // CRC, filled below
  put_be16(out, 0);  // attributes: no compression, CreateTime
  put_be32(out, static_cast<uint32_t>(std::max(count_ - 1, 0)));
  put_be64(out, static_cast<uint64_t>(base_timestamp_));
  put_be64(out, static_cast<uint64_t>(count_ == 0 ? base_timestamp_ : max_timestamp_));
  put_be64(out, static_cast<uint64_t>(producer_id_));
  put_be16(out, static_cast<uint16_t>(producer_epoch_));
  put_be32(out, static_cast<uint32_t>(base_sequence_));
  put_be32(out, static_cast<uint32_t>(count_));
  out += records_;
  store_be32(out.data() + kCrcPos,
             crc32c::value(out.data() + kAttributesPos, out.size() - kAttributesPos));
  return out;
}

}  // namespace sluice::storage
