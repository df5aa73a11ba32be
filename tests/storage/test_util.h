// Helpers shared by the storage tests: temporary directories and record batches.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "storage/partition_log.h"

namespace sluice::storage::testing {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A batch of `records` records whose values are `value_size` bytes derived from `seed`, all
// stamped with `timestamp`.
std::string make_batch(int records, size_t value_size, int64_t timestamp, uint64_t seed = 0);

// Appends a copy of `batch` (append stamps in place) and returns the result.
Result<AppendResult> append_copy(PartitionLog& log, const std::string& batch, int32_t epoch = 0);

// Every batch in the log from its start, read through the public read() API, as bytes.
std::vector<std::string> read_all_batches(const PartitionLog& log);

// The bytes of the segment files in `dir`, by name (for before/after comparisons).
std::vector<std::filesystem::path> files_with_suffix(const std::filesystem::path& dir,
                                                     const std::string& suffix);

}  // namespace sluice::storage::testing
