// Idempotent-producer state of one partition log, as Kafka keeps it: per producer id, its
// epoch and the sequence ranges and offsets of its last five batches. A batch whose
// sequence range matches a retained one is a retry (answered with the original offsets, not
// written twice); anything but the next sequence is refused. The state is rebuilt from the
// batches themselves when a log opens, so it needs no file of its own.
//
// REQUIRES: external synchronization (PartitionLog's writer lock).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>

namespace sluice::storage {

struct ProducerBatch {
  int32_t first_sequence = 0;
  int32_t last_sequence = 0;
  int64_t base_offset = 0;
  int64_t last_offset = 0;
};

enum class SequenceVerdict {
  kAppend,           // the next batch of this producer (or not an idempotent batch)
  kDuplicate,        // a retry of a batch already in the log
  kOutOfOrder,       // a gap, or a new epoch not starting at 0
  kFenced,           // an epoch older than the producer's current one
  kUnknownProducer,  // no state for this producer and a sequence other than 0
};

class ProducerStateTable {
 public:
  // Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN: clients keep at most five in flight.
  static constexpr size_t kRetainedBatches = 5;

  // Judges a batch of producer `producer_id` (-1: not idempotent). For kDuplicate,
  // *original is set to the batch it repeats.
  SequenceVerdict check(int64_t producer_id, int16_t epoch, int32_t first_sequence,
                        int32_t last_sequence, ProducerBatch* original) const;
  // Records a batch that was written.
  void record(int64_t producer_id, int16_t epoch, const ProducerBatch& batch);
  void clear() { producers_.clear(); }
  size_t producer_count() const { return producers_.size(); }

 private:
  struct Entry {
    int16_t epoch = 0;
    std::deque<ProducerBatch> batches;  // oldest first
  };
  std::unordered_map<int64_t, Entry> producers_;
};

// The sequence number after `sequence`: sequences wrap from INT32_MAX to 0.
int32_t next_sequence(int32_t sequence);
// The last sequence of a batch of `record_count` records starting at `first_sequence`.
int32_t last_sequence_of(int32_t first_sequence, int32_t last_offset_delta);

}  // namespace sluice::storage
