// Lets an encoded message carry record bytes that are not in its buffer: a Fetch response's
// records are sent from the segment files (sendfile) instead of being copied in.
//
// The caller puts a stand-in into a `records` field: an empty view pointing at a byte this
// splicer owns, so it cannot be mistaken for real bytes (an empty records value points
// elsewhere). A Writer with the splicer set writes, for a stand-in, only the length prefix
// (the range's size) and records where in the output the range's bytes belong. Whoever
// sends the message sends bytes [0, splice.position), the range, and so on.
//
// Codecs stay pure: nothing here reads a file.
#pragma once

#include <cstddef>
#include <deque>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/file_range.h"

namespace sluice::kafka::protocol {

// A file range whose bytes go at `position` of the encoded message.
struct Splice {
  size_t position = 0;
  FileRange range;
};

class RecordsSplicer {
 public:
  RecordsSplicer() = default;
  RecordsSplicer(const RecordsSplicer&) = delete;
  RecordsSplicer& operator=(const RecordsSplicer&) = delete;

  // A records value standing for `range`; valid while this splicer lives.
  // REQUIRES: range.size <= INT32_MAX (a records field's length).
  std::string_view stand_in(FileRange range) {
    Entry& entry = entries_.emplace_back(Entry{0, std::move(range)});
    by_marker_.emplace(&entry.marker, &entry.range);
    return std::string_view(&entry.marker, 0);
  }

  // The range `records` stands for; null when it holds real bytes.
  const FileRange* find(std::string_view records) const {
    if (!records.empty()) return nullptr;
    auto it = by_marker_.find(records.data());
    return it == by_marker_.end() ? nullptr : it->second;
  }

  // Called by the Writer: `range`'s bytes belong at `position` of its output.
  void spliced(const FileRange& range, size_t position) {
    splices_.push_back(Splice{position, range});
  }

  // In output order.
  const std::vector<Splice>& splices() const { return splices_; }
  std::vector<Splice> take_splices() { return std::move(splices_); }

 private:
  struct Entry {
    char marker;
    FileRange range;
  };
  std::deque<Entry> entries_;  // a deque keeps the markers in place
  std::unordered_map<const char*, const FileRange*> by_marker_;
  std::vector<Splice> splices_;
};

}  // namespace sluice::kafka::protocol
