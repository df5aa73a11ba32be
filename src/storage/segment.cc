#include "storage/segment.h"

#include <algorithm>
#include <cstdio>

#include "common/coding.h"
#include "storage/format.h"
#include "storage/record_batch.h"

namespace sluice::storage {

using namespace format;

namespace {

constexpr uint64_t kPreallocationStep = 16 << 20;

// Serves sequential reads of a file from a large buffer, so that a recovery scan of many
// small batches costs one pread per megabyte rather than one per batch.
class SequentialReader {
 public:
  SequentialReader(const File& file, uint64_t file_size) : file_(file), file_size_(file_size) {}

  // The `n` bytes at `position`. REQUIRES: position + n <= file_size.
  Result<std::string_view> read(uint64_t position, size_t n) {
    if (position < start_ || position + n > start_ + buffer_.size()) {
      const size_t want = std::max<size_t>(n, std::min<uint64_t>(kChunk, file_size_ - position));
      buffer_.resize(want);
      SLUICE_RETURN_IF_ERROR(file_.pread(buffer_.data(), want, position));
      start_ = position;
    }
    return std::string_view(buffer_).substr(position - start_, n);
  }

 private:
  static constexpr size_t kChunk = 1 << 20;
  const File& file_;
  uint64_t file_size_;
  uint64_t start_ = 0;
  std::string buffer_;
};

}  // namespace

std::string segment_file_name(int64_t base_offset, const char* suffix) {
  char name[32];
  std::snprintf(name, sizeof(name), "%0*lld", kSegmentNameDigits,
                static_cast<long long>(base_offset));
  return std::string(name) + suffix;
}

Segment::Segment(FileSystem& fs, std::filesystem::path dir, int64_t base_offset,
                 std::unique_ptr<File> log_file, std::unique_ptr<OffsetIndex> offset_index,
                 std::unique_ptr<TimeIndex> time_index)
    : fs_(fs),
      dir_(std::move(dir)),
      base_offset_(base_offset),
      log_file_(std::move(log_file)),
      offset_index_(std::move(offset_index)),
      time_index_(std::move(time_index)),
      next_offset_(base_offset) {}

std::filesystem::path Segment::path(const char* suffix) const {
  return dir_ / segment_file_name(base_offset_, suffix);
}

Result<std::unique_ptr<Segment>> Segment::open_files(FileSystem& fs,
                                                     const std::filesystem::path& dir,
                                                     int64_t base_offset, OpenMode mode) {
  SLUICE_ASSIGN_OR_RETURN(auto log_file,
                          fs.open(dir / segment_file_name(base_offset, kLogSuffix), mode));
  SLUICE_ASSIGN_OR_RETURN(
      auto offset_index,
      OffsetIndex::open(fs, dir / segment_file_name(base_offset, kOffsetIndexSuffix), base_offset));
  SLUICE_ASSIGN_OR_RETURN(
      auto time_index,
      TimeIndex::open(fs, dir / segment_file_name(base_offset, kTimeIndexSuffix), base_offset));
  return std::unique_ptr<Segment>(new Segment(fs, dir, base_offset, std::move(log_file),
                                              std::move(offset_index), std::move(time_index)));
}

Result<std::unique_ptr<Segment>> Segment::create(FileSystem& fs, const std::filesystem::path& dir,
                                                 int64_t base_offset) {
  SLUICE_ASSIGN_OR_RETURN(bool exists, fs.exists(dir / segment_file_name(base_offset, kLogSuffix)));
  if (exists) {
    return Status::already_exists("segment " + std::to_string(base_offset) + " exists in " +
                                  dir.string());
  }
  auto segment = open_files(fs, dir, base_offset, OpenMode::kCreateNew);
  if (!segment.is_ok()) return segment.status();
  // A stale index left by an earlier segment of the same name must not describe this one.
  SLUICE_RETURN_IF_ERROR((*segment)->offset_index_->truncate(0));
  SLUICE_RETURN_IF_ERROR((*segment)->time_index_->truncate(0));
  return segment;
}

Result<std::unique_ptr<Segment>> Segment::open_trusted(FileSystem& fs,
                                                       const std::filesystem::path& dir,
                                                       int64_t base_offset,
                                                       SegmentRecovery* recovery) {
  SLUICE_ASSIGN_OR_RETURN(bool offset_index_present,
                          fs.exists(dir / segment_file_name(base_offset, kOffsetIndexSuffix)));
  SLUICE_ASSIGN_OR_RETURN(bool time_index_present,
                          fs.exists(dir / segment_file_name(base_offset, kTimeIndexSuffix)));
  const bool indexes_present = offset_index_present && time_index_present;
  SLUICE_ASSIGN_OR_RETURN(auto segment, open_files(fs, dir, base_offset, OpenMode::kReadWrite));
  SLUICE_ASSIGN_OR_RETURN(uint64_t size, segment->log_file_->size());
  segment->size_.store(size, std::memory_order_release);
  bool indexes_ok = indexes_present;
  if (indexes_ok) {
    SLUICE_ASSIGN_OR_RETURN(indexes_ok, segment->load_indexes());
  }
  if (indexes_ok) {
    auto tail = segment->scan_tail();
    indexes_ok = tail.is_ok();
  }
  if (!indexes_ok) {
    recovery->indexes_rebuilt = true;
    SLUICE_RETURN_IF_ERROR(segment->rebuild(/*verify=*/false, recovery));
  }
  return segment;
}

Result<std::unique_ptr<Segment>> Segment::open_and_recover(FileSystem& fs,
                                                           const std::filesystem::path& dir,
                                                           int64_t base_offset,
                                                           SegmentRecovery* recovery) {
  SLUICE_ASSIGN_OR_RETURN(auto segment, open_files(fs, dir, base_offset, OpenMode::kReadWrite));
  recovery->scanned = true;
  recovery->indexes_rebuilt = true;
  SLUICE_RETURN_IF_ERROR(segment->rebuild(/*verify=*/true, recovery));
  return segment;
}

void Segment::reset_state() {
  next_offset_.store(base_offset_, std::memory_order_release);
  max_timestamp_.store(-1, std::memory_order_release);
  first_batch_timestamp_.store(-1, std::memory_order_release);
  bytes_since_index_entry_ = 0;
  time_indexed_timestamp_ = -1;
}

Status Segment::rebuild(bool verify, SegmentRecovery* recovery) {
  SLUICE_ASSIGN_OR_RETURN(uint64_t file_bytes, log_file_->size());
  SLUICE_RETURN_IF_ERROR(offset_index_->truncate(0));
  SLUICE_RETURN_IF_ERROR(time_index_->truncate(0));
  reset_state();

  SequentialReader reader(*log_file_, file_bytes);
  uint64_t position = 0;
  std::string reason;
  while (position < file_bytes) {
    if (file_bytes - position < static_cast<uint64_t>(kBatchHeaderSize)) {
      reason = "torn batch header: " + std::to_string(file_bytes - position) + " bytes left";
      break;
    }
    SLUICE_ASSIGN_OR_RETURN(std::string_view prefix, reader.read(position, kBatchHeaderSize));
    const auto length = static_cast<int32_t>(load_be32(prefix.data() + kBatchLengthPos));
    if (length < kMinBatchLength ||
        static_cast<uint64_t>(length) + kLogOverhead > file_bytes - position) {
      reason = "batch length " + std::to_string(length) + " does not fit the " +
               std::to_string(file_bytes - position) + " bytes left";
      break;
    }
    SLUICE_ASSIGN_OR_RETURN(std::string_view bytes,
                            reader.read(position, static_cast<size_t>(length) + kLogOverhead));
    auto batch = RecordBatchView::parse(bytes);
    if (!batch.is_ok()) {
      reason = batch.status().message();
      break;
    }
    if (verify && !batch->crc_matches()) {
      reason = "CRC mismatch";
      break;
    }
    if (batch->last_offset_delta() < 0 || batch->base_offset() < next_offset()) {
      reason = "batch offsets " + std::to_string(batch->base_offset()) + ".." +
               std::to_string(batch->last_offset()) + " do not follow " +
               std::to_string(next_offset());
      break;
    }
    const BatchInfo info{batch->base_offset(), batch->last_offset(), batch->max_timestamp(),
                         batch->size()};
    SLUICE_RETURN_IF_ERROR(note_batch(info, position));
    position += batch->size();
  }
  if (position < file_bytes) {
    recovery->truncated_bytes = file_bytes - position;
    recovery->truncated_at_offset = next_offset();
    recovery->reason = reason;
    SLUICE_RETURN_IF_ERROR(log_file_->truncate(position));
  }
  size_.store(position, std::memory_order_release);
  return Status::ok();
}

Result<bool> Segment::load_indexes() {
  if (!offset_index_->load().is_ok() || !time_index_->load().is_ok()) return false;
  const uint64_t log_bytes = size();
  const auto entries = offset_index_->entries();
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    const bool ordered =
        i == 0 || (e.offset > entries[i - 1].offset && e.position > entries[i - 1].position);
    if (!ordered || e.offset < base_offset_ || e.position >= log_bytes) return false;
  }
  if (!entries.empty()) {
    // The last entry must point at a batch starting at the recorded offset.
    auto header = read_header(entries.back().position, log_bytes);
    if (!header.is_ok() || header->base_offset != entries.back().offset) return false;
  }
  return true;
}

Status Segment::scan_tail() {
  const uint64_t log_bytes = size();
  reset_state();
  if (log_bytes == 0) return Status::ok();
  SLUICE_ASSIGN_OR_RETURN(BatchLocation first, read_header(0, log_bytes));
  first_batch_timestamp_.store(first.max_timestamp, std::memory_order_release);

  uint64_t position = 0;
  int64_t max_timestamp = -1;
  if (auto last_entry = offset_index_->last()) position = last_entry->position;
  if (auto last_time = time_index_->last()) {
    max_timestamp = last_time->timestamp;
    time_indexed_timestamp_ = last_time->timestamp;
  }
  int64_t next_offset = base_offset_;
  const uint64_t indexed_at = position;
  while (position < log_bytes) {
    // note_batch() would have indexed a batch this far past the last entry: the index is
    // missing entries, so it does not describe this log.
    if (position > indexed_at && position - indexed_at >= kIndexIntervalBytes) {
      return Status::corruption("offset index lacks an entry at position " +
                                std::to_string(position));
    }
    SLUICE_ASSIGN_OR_RETURN(BatchLocation batch, read_header(position, log_bytes));
    max_timestamp = std::max(max_timestamp, batch.max_timestamp);
    next_offset = batch.last_offset + 1;
    position += batch.size;
  }
  // Time index entries may not point past the end of the log.
  if (auto last_time = time_index_->last(); last_time && last_time->offset > next_offset) {
    return Status::corruption("time index points past the log end");
  }
  bytes_since_index_entry_ = log_bytes - indexed_at;
  next_offset_.store(next_offset, std::memory_order_release);
  max_timestamp_.store(max_timestamp, std::memory_order_release);
  return Status::ok();
}

Status Segment::note_batch(const BatchInfo& batch, uint64_t position) {
  // Index every kIndexIntervalBytes; position 0 is implicit, so the first batch never is.
  if (bytes_since_index_entry_ >= kIndexIntervalBytes) {
    SLUICE_RETURN_IF_ERROR(offset_index_->append({batch.base_offset, position}));
    const int64_t max_before = max_timestamp();
    if (max_before > time_indexed_timestamp_) {
      SLUICE_RETURN_IF_ERROR(time_index_->append({max_before, batch.base_offset}));
      time_indexed_timestamp_ = max_before;
    }
    bytes_since_index_entry_ = 0;
  }
  bytes_since_index_entry_ += batch.size;
  if (first_batch_timestamp() < 0) {
    first_batch_timestamp_.store(batch.max_timestamp, std::memory_order_release);
  }
  if (batch.max_timestamp > max_timestamp()) {
    max_timestamp_.store(batch.max_timestamp, std::memory_order_release);
  }
  next_offset_.store(batch.last_offset + 1, std::memory_order_release);
  return Status::ok();
}

Status Segment::append(std::string_view bytes, const std::vector<BatchInfo>& batches) {
  const uint64_t start = size();
  if (start + bytes.size() > preallocated_end_) {
    // Reserve blocks ahead of the writes, keeping the file size: an fdatasync after an
    // append into reserved blocks commits less filesystem metadata (measured ~10-20% more
    // fsync=always throughput on ext4). Advisory: without it the write still allocates.
    const uint64_t end =
        (start + bytes.size() + kPreallocationStep - 1) / kPreallocationStep * kPreallocationStep;
    if (log_file_->preallocate(start, end - start).is_ok()) preallocated_end_ = end;
  }
  Status status = log_file_->pwrite(bytes, start);
  uint64_t position = start;
  for (size_t i = 0; status.is_ok() && i < batches.size(); ++i) {
    status = note_batch(batches[i], position);
    position += batches[i].size;
  }
  if (status.is_ok()) {
    size_.store(start + bytes.size(), std::memory_order_release);
    return status;
  }
  // Undo: readers never saw these bytes (size_ was not published), so cutting them is safe.
  Status undo = truncate_to(batches.front().base_offset);
  if (!undo.is_ok()) return Status::io_error(status.message() + "; undo failed: " + undo.message());
  return status;
}

Status Segment::release_preallocation() {
  if (preallocated_end_ == 0) return Status::ok();
  preallocated_end_ = 0;
  return log_file_->truncate(size());
}

Status Segment::sync() {
  return log_file_->sync();
}

Status Segment::sync_indexes() {
  SLUICE_RETURN_IF_ERROR(offset_index_->sync());
  return time_index_->sync();
}

Status Segment::truncate_to(int64_t offset) {
  // Find where the first batch to drop starts; bytes past size() (a failed append) go too.
  uint64_t cut = 0;
  int64_t new_end = base_offset_;
  if (offset > base_offset_) {
    SLUICE_ASSIGN_OR_RETURN(auto location, locate(offset, size()));
    cut = location ? location->position : size();
    new_end = location ? location->base_offset : next_offset();
  }
  SLUICE_RETURN_IF_ERROR(log_file_->truncate(cut));
  size_.store(cut, std::memory_order_release);
  SLUICE_RETURN_IF_ERROR(offset_index_->truncate_where(
      [cut](const OffsetIndexEntry& e) { return e.position >= cut; }));
  SLUICE_RETURN_IF_ERROR(time_index_->truncate_where(
      [new_end](const TimeIndexEntry& e) { return e.offset > new_end; }));
  // Recompute next offset, timestamps and index bookkeeping from what is left.
  return scan_tail();
}

Status Segment::remove_files() {
  for (const char* suffix : {kLogSuffix, kOffsetIndexSuffix, kTimeIndexSuffix}) {
    Status removed = fs_.remove(path(suffix));
    if (!removed.is_ok() && removed.code() != StatusCode::kNotFound) return removed;
  }
  return Status::ok();
}

Result<BatchLocation> Segment::read_header(uint64_t position, uint64_t end_position) const {
  if (position + kBatchHeaderSize > end_position) {
    return Status::corruption("batch header at " + std::to_string(position) +
                              " runs past the segment end " + std::to_string(end_position));
  }
  char header[kBatchHeaderSize];
  SLUICE_RETURN_IF_ERROR(log_file_->pread(header, kBatchHeaderSize, position));
  const auto length = static_cast<int32_t>(load_be32(header + kBatchLengthPos));
  if (length < kMinBatchLength ||
      static_cast<uint64_t>(length) + kLogOverhead > end_position - position) {
    return Status::corruption("batch at " + std::to_string(position) + " has bad length " +
                              std::to_string(length));
  }
  BatchLocation location;
  location.position = position;
  location.base_offset = static_cast<int64_t>(load_be64(header + kBaseOffsetPos));
  location.last_offset =
      location.base_offset + static_cast<int32_t>(load_be32(header + kLastOffsetDeltaPos));
  location.max_timestamp = static_cast<int64_t>(load_be64(header + kMaxTimestampPos));
  location.size = static_cast<uint32_t>(length + kLogOverhead);
  location.producer_id = static_cast<int64_t>(load_be64(header + kProducerIdPos));
  location.producer_epoch = static_cast<int16_t>(load_be16(header + kProducerEpochPos));
  location.base_sequence = static_cast<int32_t>(load_be32(header + kBaseSequencePos));
  location.leader_epoch = static_cast<int32_t>(load_be32(header + kLeaderEpochPos));
  return location;
}

Result<std::optional<BatchLocation>> Segment::locate(int64_t offset, uint64_t end_position) const {
  uint64_t position = 0;
  if (auto entry =
          offset_index_->floor([offset](const OffsetIndexEntry& e) { return e.offset > offset; })) {
    position = entry->position;
  }
  while (position < end_position) {
    SLUICE_ASSIGN_OR_RETURN(BatchLocation batch, read_header(position, end_position));
    if (batch.last_offset >= offset) return std::optional<BatchLocation>(batch);
    position += batch.size;
  }
  return std::optional<BatchLocation>();
}

Result<BatchSpan> Segment::extent(const BatchLocation& first, uint64_t end_position,
                                  int64_t max_bytes, int64_t max_offset) const {
  uint64_t total = first.size;
  int64_t last_offset = first.last_offset;
  uint64_t position = first.position + first.size;
  while (position < end_position) {
    SLUICE_ASSIGN_OR_RETURN(BatchLocation batch, read_header(position, end_position));
    if (batch.base_offset >= max_offset || total + batch.size > static_cast<uint64_t>(max_bytes)) {
      break;
    }
    total += batch.size;
    position += batch.size;
    last_offset = batch.last_offset;
  }
  return BatchSpan{static_cast<uint32_t>(total), last_offset};
}

Status Segment::for_each_batch(const std::function<void(const BatchLocation&)>& visit) const {
  const uint64_t end = size();
  for (uint64_t position = 0; position < end;) {
    SLUICE_ASSIGN_OR_RETURN(BatchLocation batch, read_header(position, end));
    visit(batch);
    position += batch.size;
  }
  return Status::ok();
}

Status Segment::read(uint64_t position, size_t n, char* out) const {
  return log_file_->pread(out, n, position);
}

Result<std::optional<TimestampedOffset>> Segment::offset_for_timestamp(int64_t timestamp) const {
  using Found = std::optional<TimestampedOffset>;
  const uint64_t end = size();
  if (end == 0 || max_timestamp() < timestamp) return Found();
  int64_t start_offset = base_offset_;
  if (auto entry = time_index_->floor(
          [timestamp](const TimeIndexEntry& e) { return e.timestamp >= timestamp; })) {
    start_offset = entry->offset;
  }
  SLUICE_ASSIGN_OR_RETURN(auto location, locate(start_offset, end));
  while (location && location->position < end) {
    if (location->max_timestamp >= timestamp) {
      std::string bytes(location->size, '\0');
      SLUICE_RETURN_IF_ERROR(read(location->position, bytes.size(), bytes.data()));
      SLUICE_ASSIGN_OR_RETURN(RecordBatchView batch, RecordBatchView::parse(bytes));
      SLUICE_ASSIGN_OR_RETURN(auto found, batch.first_record_at_or_after(timestamp));
      if (found) return found;
    }
    const uint64_t next = location->position + location->size;
    if (next >= end) break;
    SLUICE_ASSIGN_OR_RETURN(BatchLocation batch, read_header(next, end));
    location = batch;
  }
  return Found();
}

}  // namespace sluice::storage
