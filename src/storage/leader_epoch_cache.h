// The leader-epoch cache of a log: for each leader epoch, the first offset written in it
// (Kafka's leader-epoch-checkpoint). It is what lets a replica that comes back after a
// leader change find where its log diverged from the new leader's (KIP-101, KIP-279): it asks
// the leader for the end of its own latest epoch (OffsetForLeaderEpoch) and truncates there,
// instead of trusting its high watermark, which can lose acknowledged records or keep ones
// the leader never had.
//
// Persisted in the log's directory as text, replaced atomically on every change (changes
// are rare: one per leader change):
//
//   0                 version
//   2                 number of entries
//   0 0               epoch start_offset, in increasing order of both
//   3 1500
//
// Thread-safe: the writer (the log, under its writer lock) and any number of readers.
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/file_system.h"
#include "common/status.h"

namespace sluice::storage {

struct EpochEntry {
  int32_t epoch = 0;
  int64_t start_offset = 0;
  bool operator==(const EpochEntry&) const = default;
};

// Kafka's answer shape: UNDEFINED (-1, -1) when the epoch is unknown.
struct EpochEndOffset {
  static constexpr int32_t kUndefinedEpoch = -1;
  static constexpr int64_t kUndefinedOffset = -1;
  int32_t epoch = kUndefinedEpoch;
  int64_t end_offset = kUndefinedOffset;
  bool operator==(const EpochEndOffset&) const = default;
};

class LeaderEpochCache {
 public:
  // Loads `file` if it exists (`*found` tells whether it did); an unreadable or malformed
  // file is Corruption.
  // `fs` must outlive the cache.
  static Result<LeaderEpochCache> load(FileSystem& fs, std::filesystem::path file, bool* found);

  LeaderEpochCache(LeaderEpochCache&& other) noexcept;
  LeaderEpochCache& operator=(LeaderEpochCache&&) = delete;

  // Records that `epoch` starts at `start_offset`, as Kafka does: a no-op when the latest
  // entry already says so; otherwise entries with an epoch >= `epoch` or a start offset >=
  // `start_offset` are replaced. Persists before returning. Negative epochs are ignored
  // (batches written before epochs existed).
  Status assign(int32_t epoch, int64_t start_offset);

  // The largest epoch <= `epoch` and the offset where the epoch after it starts (the log end
  // for the latest epoch): what OffsetForLeaderEpoch answers. An epoch below every known
  // one answers itself with the first entry's start; an epoch above the latest, or an empty
  // cache, UNDEFINED.
  EpochEndOffset end_offset_for(int32_t epoch, int64_t log_end_offset) const;

  // After truncating the log to `end_offset`: drops entries starting at or after it.
  Status truncate_from_end(int64_t end_offset);
  // After raising the log start to `start_offset`: drops entries wholly below it and moves
  // the start of the one holding it up to it.
  Status truncate_from_start(int64_t start_offset);
  // Replaces every entry (a rebuild from the log's batch headers).
  Status reset(std::vector<EpochEntry> entries);

  std::optional<EpochEntry> latest() const;
  std::vector<EpochEntry> entries() const;

  // The text written to the file, and its parser (exposed for tests and the fuzzer).
  static std::string encode(const std::vector<EpochEntry>& entries);
  static Result<std::vector<EpochEntry>> decode(std::string_view text);

 private:
  LeaderEpochCache(FileSystem& fs, std::filesystem::path file) : fs_(fs), file_(std::move(file)) {}
  Status persist_locked() const;  // REQUIRES: mu_ held

  FileSystem& fs_;
  const std::filesystem::path file_;
  mutable std::mutex mu_;
  std::vector<EpochEntry> entries_;  // GUARDED_BY(mu_); increasing epoch and start offset
};

}  // namespace sluice::storage
