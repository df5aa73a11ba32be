#include "storage/producer_state.h"

#include <limits>

namespace sluice::storage {

int32_t next_sequence(int32_t sequence) {
  return sequence == std::numeric_limits<int32_t>::max() ? 0 : sequence + 1;
}

int32_t last_sequence_of(int32_t first_sequence, int32_t last_offset_delta) {
  const int64_t last = int64_t{first_sequence} + last_offset_delta;
  return static_cast<int32_t>(last > std::numeric_limits<int32_t>::max()
                                  ? last - std::numeric_limits<int32_t>::max() - 1
                                  : last);
}

SequenceVerdict ProducerStateTable::check(int64_t producer_id, int16_t epoch,
                                          int32_t first_sequence, int32_t last_sequence,
                                          ProducerBatch* original) const {
  if (producer_id < 0) return SequenceVerdict::kAppend;
  auto it = producers_.find(producer_id);
  if (it == producers_.end()) {
    return first_sequence == 0 ? SequenceVerdict::kAppend : SequenceVerdict::kUnknownProducer;
  }
  const Entry& entry = it->second;
  if (epoch < entry.epoch) return SequenceVerdict::kFenced;
  if (epoch > entry.epoch) {
    return first_sequence == 0 ? SequenceVerdict::kAppend : SequenceVerdict::kOutOfOrder;
  }
  for (const auto& batch : entry.batches) {
    if (batch.first_sequence == first_sequence && batch.last_sequence == last_sequence) {
      *original = batch;
      return SequenceVerdict::kDuplicate;
    }
  }
  if (entry.batches.empty()) {
    return first_sequence == 0 ? SequenceVerdict::kAppend : SequenceVerdict::kOutOfOrder;
  }
  return first_sequence == next_sequence(entry.batches.back().last_sequence)
             ? SequenceVerdict::kAppend
             : SequenceVerdict::kOutOfOrder;
}

void ProducerStateTable::record(int64_t producer_id, int16_t epoch, const ProducerBatch& batch) {
  if (producer_id < 0) return;
  Entry& entry = producers_[producer_id];
  if (epoch != entry.epoch) {
    entry.epoch = epoch;
    entry.batches.clear();
  }
  entry.batches.push_back(batch);
  if (entry.batches.size() > kRetainedBatches) entry.batches.pop_front();
}

}  // namespace sluice::storage
