// Builds uncompressed Kafka v2 record batches: what a producer would send. Used wherever
// Sluice itself writes records (queue state, internal topics) and by tests and benchmarks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::storage {

struct RecordHeader {
  std::string key;
  std::optional<std::string> value;
};

class RecordBatchBuilder {
 public:
  // `base_timestamp` is the CreateTime of the first record, in ms since the epoch.
  explicit RecordBatchBuilder(int64_t base_timestamp) : base_timestamp_(base_timestamp) {}

  // Producer identity for idempotent batches (defaults: none, as a plain producer sends).
  RecordBatchBuilder& set_producer(int64_t producer_id, int16_t epoch, int32_t base_sequence);

  RecordBatchBuilder& add(std::optional<std::string_view> key,
                          std::optional<std::string_view> value, int64_t timestamp,
                          const std::vector<RecordHeader>& headers = {});
  RecordBatchBuilder& add(std::string_view value) {
    return add(std::nullopt, value, base_timestamp_);
  }

  int32_t record_count() const { return count_; }
  // The finished batch: base offset 0 and leader epoch -1 (the broker stamps both), CRC set.
  std::string build() const;

 private:
  int64_t base_timestamp_;
  int64_t max_timestamp_ = -1;
  int64_t producer_id_ = -1;
  int16_t producer_epoch_ = -1;
  int32_t base_sequence_ = -1;
  int32_t count_ = 0;
  std::string records_;
};

}  // namespace sluice::storage
