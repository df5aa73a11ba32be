// The two sparse indexes of a segment, kept in memory and appended to a file.
//
// An index is derived data: the .log file is the truth. Entries are appended with a plain
// write and never fsynced on the hot path; Segment checks them when it opens and rebuilds
// them from the log when they do not add up. Readers search a snapshot under a mutex held
// only for the binary search.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/coding.h"
#include "common/file_system.h"
#include "common/status.h"
#include "storage/format.h"

namespace sluice::storage {

// {offset, position}: the batch starting at `offset` begins at byte `position` of the log.
struct OffsetIndexEntry {
  static constexpr int kSize = format::kOffsetIndexEntrySize;
  int64_t offset = 0;
  uint64_t position = 0;

  void encode(char* out, int64_t base) const {
    store_be32(out, static_cast<uint32_t>(offset - base));
    store_be32(out + 4, static_cast<uint32_t>(position));
  }
  static OffsetIndexEntry decode(const char* in, int64_t base) {
    return {base + load_be32(in), load_be32(in + 4)};
  }
};

// {timestamp, offset}: every batch before `offset` has a max timestamp <= `timestamp`.
struct TimeIndexEntry {
  static constexpr int kSize = format::kTimeIndexEntrySize;
  int64_t timestamp = 0;
  int64_t offset = 0;

  void encode(char* out, int64_t base) const {
    store_be64(out, static_cast<uint64_t>(timestamp));
    store_be32(out + 8, static_cast<uint32_t>(offset - base));
  }
  static TimeIndexEntry decode(const char* in, int64_t base) {
    return {static_cast<int64_t>(load_be64(in)), base + load_be32(in + 8)};
  }
};

template <typename Entry>
class SparseIndex {
 public:
  // Opens (creating if missing) the index file at `path` for a segment based at `base`.
  // The index starts empty; call load() to read the file's entries.
  static Result<std::unique_ptr<SparseIndex>> open(FileSystem& fs,
                                                   const std::filesystem::path& path,
                                                   int64_t base) {
    SLUICE_ASSIGN_OR_RETURN(auto file, fs.open(path, OpenMode::kCreate));
    return std::unique_ptr<SparseIndex>(new SparseIndex(path, base, std::move(file)));
  }

  // Reads every entry from the file. Corruption if the file is not whole entries; the
  // caller judges whether the entries make sense for its log.
  Status load() {
    SLUICE_ASSIGN_OR_RETURN(uint64_t size, file_->size());
    if (size % Entry::kSize != 0) {
      return Status::corruption(path_.string() + ": size " + std::to_string(size) +
                                " is not a whole number of entries");
    }
    std::string bytes(size, '\0');
    SLUICE_RETURN_IF_ERROR(file_->pread(bytes.data(), size, 0));
    std::vector<Entry> entries;
    entries.reserve(size / Entry::kSize);
    for (uint64_t pos = 0; pos < size; pos += Entry::kSize) {
      entries.push_back(Entry::decode(bytes.data() + pos, base_));
    }
    std::lock_guard lock(mu_);
    entries_ = std::move(entries);
    return Status::ok();
  }

  Status append(const Entry& entry) {
    char bytes[Entry::kSize];
    entry.encode(bytes, base_);
    std::lock_guard lock(mu_);
    Status written = file_->pwrite(std::string_view(bytes, Entry::kSize), file_bytes());
    if (!written.is_ok()) {
      // A partial entry would make the file fail load(); cut it (best effort: a leftover
      // only costs a rebuild on the next open).
      (void)file_->truncate(file_bytes());
      return written;
    }
    entries_.push_back(entry);
    return Status::ok();
  }

  // Keeps the first `count` entries.
  Status truncate(size_t count) {
    std::lock_guard lock(mu_);
    if (count >= entries_.size()) return Status::ok();
    entries_.resize(count);
    return file_->truncate(file_bytes());
  }

  // Drops entries for which `past_end(entry)` holds, and every entry after the first such.
  template <typename Pred>
  Status truncate_where(Pred past_end) {
    size_t keep;
    {
      std::lock_guard lock(mu_);
      keep = static_cast<size_t>(std::find_if(entries_.begin(), entries_.end(), past_end) -
                                 entries_.begin());
    }
    return truncate(keep);
  }

  Status sync() { return file_->sync(); }

  // The last entry `e` with !after(e), i.e. the last entry not past the target, in a
  // sorted index. nullopt if the first entry is already past it.
  template <typename After>
  std::optional<Entry> floor(After after) const {
    std::lock_guard lock(mu_);
    auto it = std::partition_point(entries_.begin(), entries_.end(),
                                   [&](const Entry& e) { return !after(e); });
    if (it == entries_.begin()) return std::nullopt;
    return *std::prev(it);
  }

  std::optional<Entry> last() const {
    std::lock_guard lock(mu_);
    if (entries_.empty()) return std::nullopt;
    return entries_.back();
  }

  std::vector<Entry> entries() const {
    std::lock_guard lock(mu_);
    return entries_;
  }

  const std::filesystem::path& path() const { return path_; }

 private:
  SparseIndex(std::filesystem::path path, int64_t base, std::unique_ptr<File> file)
      : path_(std::move(path)), base_(base), file_(std::move(file)) {}

  uint64_t file_bytes() const { return entries_.size() * Entry::kSize; }

  const std::filesystem::path path_;
  const int64_t base_;
  std::unique_ptr<File> file_;
  mutable std::mutex mu_;
  std::vector<Entry> entries_;  // GUARDED_BY(mu_), sorted by offset (and by timestamp)
};

using OffsetIndex = SparseIndex<OffsetIndexEntry>;
using TimeIndex = SparseIndex<TimeIndexEntry>;

}  // namespace sluice::storage
