// A queue checkpoint: the consumption state of the whole index at one moment, so that open()
// loads it and replays only what came after instead of both logs from their start.
//
// File `checkpoint` in the queue directory, replaced atomically (write checkpoint.tmp, fsync,
// rename, fsync the directory: write_file_atomically). Layout, integers big-endian, varints
// as in common/coding.h (uvarint = LEB128, varint = zigzag LEB128):
//
//   magic "SQCP" | u32 version (1)
//   i64 index_base    first messages-log offset the index tracked
//   i64 index_end     one past the last slot the index held
//   i64 state_end     state-log offset the checkpoint covers up to (exclusive)
//   i64 purged_below  every message below it was purged
//   uvarint group count, then per FIFO group: uvarint id, uvarint length, name bytes
//   uvarint dedup count, then per FIFO dedup id in the window, oldest first: uvarint length,
//       key, uvarint length, message id, varint offset, varint sent ms
//   entries, offsets ascending, until the trailer; a slot of [index_base, index_end) that has
//   no entry is deleted (or purged, expired, moved):
//       uvarint gap        offset - previous offset - 1 (the first: offset - index_base)
//       u8 flags           MessageEntry::kPresent, or 0 for a slot whose send was still
//                          inserting (its record is re-read from the messages log on open)
//     and when present:
//       varint visible_at_ms - the previous present entry's (0 before the first)
//       varint sent_s - the previous present entry's
//       uvarint group + 1 (0: no group)
//       uvarint receive count, and when > 0: uvarint nonce, varint first_receive_ms
//   u32 CRC-32C of every byte before it
//
// A file that fails its magic, version or CRC check is Corruption: never half-trusted.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "queues/message_index.h"

namespace sluice::queues {

inline constexpr const char* kCheckpointFile = "checkpoint";
inline constexpr uint32_t kCheckpointVersion = 1;

struct CheckpointHeader {
  int64_t index_base = 0;
  int64_t index_end = 0;
  int64_t state_end = 0;
  int64_t purged_below = 0;
};

struct CheckpointGroup {
  uint32_t id = 0;
  std::string name;
};

struct CheckpointDedup {
  std::string key;
  std::string message_id;
  int64_t offset = 0;
  int64_t sent_ms = 0;
};

// Builds a checkpoint in memory: begin, then entries in ascending offset order, then finish.
class CheckpointWriter {
 public:
  CheckpointWriter(const CheckpointHeader& header, const std::vector<CheckpointGroup>& groups,
                   const std::vector<CheckpointDedup>& dedups);
  // A slot that is present and live, or absent (flags 0). Deleted slots are left out.
  void add(int64_t offset, const MessageEntry& entry);
  // The file's bytes, trailer included.
  std::string finish();

 private:
  std::string out_;
  int64_t previous_offset_;
  int64_t previous_visible_at_ = 0;
  int64_t previous_sent_s_ = 0;
};

class CheckpointReader {
 public:
  // Checks magic, version and CRC, and reads everything before the entries.
  static Result<CheckpointReader> parse(std::string bytes);

  const CheckpointHeader& header() const { return header_; }
  size_t size_bytes() const { return bytes_.size(); }
  const std::vector<CheckpointGroup>& groups() const { return groups_; }
  const std::vector<CheckpointDedup>& dedups() const { return dedups_; }
  // Calls `visit` for every entry, in offset order.
  Status for_each_entry(const std::function<void(int64_t, const MessageEntry&)>& visit) const;

 private:
  std::string bytes_;
  size_t entries_at_ = 0;  // where the entries begin
  CheckpointHeader header_;
  std::vector<CheckpointGroup> groups_;
  std::vector<CheckpointDedup> dedups_;
};

}  // namespace sluice::queues
