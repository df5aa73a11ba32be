// One segment of a partition log: a .log file of record batches and its two sparse indexes
// (layout in storage/format.h).
//
// Concurrency: one writer at a time (PartitionLog serialises appends, truncation and
// removal); any number of concurrent readers. A reader only looks at bytes below size(),
// which the writer publishes after the batches are fully written, so it never sees part of
// a batch.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/file_system.h"
#include "common/status.h"
#include "storage/record_batch.h"
#include "storage/sparse_index.h"

namespace sluice::storage {

// What the writer knows about a batch it appends (already validated and stamped).
struct BatchInfo {
  int64_t base_offset = 0;
  int64_t last_offset = 0;
  int64_t max_timestamp = -1;
  uint32_t size = 0;
};

// Where a batch sits in a segment.
struct BatchLocation {
  uint64_t position = 0;
  int64_t base_offset = 0;
  int64_t last_offset = 0;
  int64_t max_timestamp = -1;
  uint32_t size = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t leader_epoch = -1;
};

// Consecutive whole batches of one segment.
struct BatchSpan {
  uint32_t size = 0;
  int64_t last_offset = -1;  // of the last batch
};

// What opening a segment found and repaired.
struct SegmentRecovery {
  uint64_t truncated_bytes = 0;  // bytes cut from a torn or corrupt tail
  int64_t truncated_at_offset = -1;
  std::string reason;  // why the first dropped batch was rejected
  bool indexes_rebuilt = false;
  bool scanned = false;
};

std::string segment_file_name(int64_t base_offset, const char* suffix);

class Segment {
 public:
  // Creates a new, empty segment. AlreadyExists if its files are there. Every open keeps
  // `fs`, which must outlive the segment.
  static Result<std::unique_ptr<Segment>> create(FileSystem& fs, const std::filesystem::path& dir,
                                                 int64_t base_offset);

  // Opens a segment whose batches are known to be whole (written before a clean shutdown,
  // or fsynced before a newer segment was created). Loads the indexes and rebuilds them if
  // they are missing or do not match the log.
  static Result<std::unique_ptr<Segment>> open_trusted(FileSystem& fs,
                                                       const std::filesystem::path& dir,
                                                       int64_t base_offset,
                                                       SegmentRecovery* recovery);

  // Opens a segment that may end in a torn or corrupt write: checks every batch (structure,
  // CRC, increasing offsets), truncates the file at the first bad one and rebuilds both
  // indexes from what remains.
  static Result<std::unique_ptr<Segment>> open_and_recover(FileSystem& fs,
                                                           const std::filesystem::path& dir,
                                                           int64_t base_offset,
                                                           SegmentRecovery* recovery);

  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  int64_t base_offset() const { return base_offset_; }
  // One past the last offset stored; base_offset() when empty.
  int64_t next_offset() const { return next_offset_.load(std::memory_order_acquire); }
  // Bytes of whole batches readers may see.
  uint64_t size() const { return size_.load(std::memory_order_acquire); }
  bool empty() const { return size() == 0; }
  // Largest batch max timestamp, -1 when empty.
  int64_t max_timestamp() const { return max_timestamp_.load(std::memory_order_acquire); }
  // Max timestamp of the first batch, -1 when empty: the segment's age for time-based rolls.
  int64_t first_batch_timestamp() const {
    return first_batch_timestamp_.load(std::memory_order_acquire);
  }

  // --- Writer side. REQUIRES: external synchronization (one writer at a time).

  // Appends `bytes`, which hold exactly `batches`, in order. On failure (a full disk, an
  // I/O error) nothing of it stays: a partial write is cut back.
  Status append(std::string_view bytes, const std::vector<BatchInfo>& batches);
  Status sync();
  Status sync_indexes();
  // Frees the disk blocks reserved beyond the end of the log (see append). Called when the
  // segment stops being written: at a roll and at close.
  Status release_preallocation();
  // Removes every batch holding an offset >= `offset` (a batch straddling it goes whole).
  Status truncate_to(int64_t offset);
  // Unlinks the files. Readers holding the Segment keep reading through the open descriptor.
  Status remove_files();

  // --- Reader side, any thread.

  // The batch holding `offset`, or else the first batch after it, among bytes below
  // `end_position`. nullopt when there is none.
  Result<std::optional<BatchLocation>> locate(int64_t offset, uint64_t end_position) const;
  // Bytes of whole batches starting at `first`: batches are added while the total stays
  // <= max_bytes and their base offset is < max_offset. The first batch always counts.
  Result<BatchSpan> extent(const BatchLocation& first, uint64_t end_position, int64_t max_bytes,
                           int64_t max_offset) const;
  Status read(uint64_t position, size_t n, char* out) const;
  // Calls `visit` with the header of every batch, in order.
  Status for_each_batch(const std::function<void(const BatchLocation&)>& visit) const;
  // The first offset whose record timestamp is >= `timestamp`, nullopt when none is here.
  Result<std::optional<TimestampedOffset>> offset_for_timestamp(int64_t timestamp) const;
  // fd of the .log file, for zero-copy transfers (sendfile) of bytes below size(); -1 when
  // the FileSystem has no descriptors (a test file system).
  int log_fd() const { return log_file_->native_fd(); }

 private:
  Segment(FileSystem& fs, std::filesystem::path dir, int64_t base_offset,
          std::unique_ptr<File> log_file, std::unique_ptr<OffsetIndex> offset_index,
          std::unique_ptr<TimeIndex> time_index);

  static Result<std::unique_ptr<Segment>> open_files(FileSystem& fs,
                                                     const std::filesystem::path& dir,
                                                     int64_t base_offset, OpenMode mode);
  Result<BatchLocation> read_header(uint64_t position, uint64_t end_position) const;
  // Scans the whole file, checking CRCs when `verify`; rebuilds indexes and state and
  // truncates the file at the first bad batch.
  Status rebuild(bool verify, SegmentRecovery* recovery);
  // For a trusted segment: loads the indexes; false when they fail their sanity checks.
  Result<bool> load_indexes();
  // Sets state from the batches after the last offset-index entry (the only ones the
  // indexes do not describe).
  Status scan_tail();
  Status note_batch(const BatchInfo& batch, uint64_t position);
  void reset_state();
  std::filesystem::path path(const char* suffix) const;

  FileSystem& fs_;
  const std::filesystem::path dir_;
  const int64_t base_offset_;
  std::unique_ptr<File> log_file_;
  std::unique_ptr<OffsetIndex> offset_index_;
  std::unique_ptr<TimeIndex> time_index_;

  std::atomic<uint64_t> size_{0};
  std::atomic<int64_t> next_offset_;
  std::atomic<int64_t> max_timestamp_{-1};
  std::atomic<int64_t> first_batch_timestamp_{-1};

  // Writer-only bookkeeping for sparse index entries and preallocation.
  uint64_t preallocated_end_ = 0;
  uint64_t bytes_since_index_entry_ = 0;
  int64_t time_indexed_timestamp_ = -1;
};

}  // namespace sluice::storage
