#include "storage/test_util.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>

#include "storage/record_batch.h"
#include "storage/record_batch_builder.h"

namespace sluice::storage::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "sluice-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string make_batch(int records, size_t value_size, int64_t timestamp, uint64_t seed) {
  RecordBatchBuilder builder(timestamp);
  std::string value(value_size, '\0');
  for (int i = 0; i < records; ++i) {
    for (size_t j = 0; j < value_size; ++j) {
      value[j] = static_cast<char>('a' + (seed * 31 + i * 7 + j) % 26);
    }
    builder.add(std::nullopt, value, timestamp);
  }
  return builder.build();
}

Result<AppendResult> append_copy(PartitionLog& log, const std::string& batch, int32_t epoch) {
  std::string copy = batch;
  return log.append(std::span<char>(copy.data(), copy.size()), epoch);
}

std::vector<std::string> read_all_batches(const PartitionLog& log) {
  std::vector<std::string> batches;
  int64_t offset = log.log_start_offset();
  while (offset < log.log_end_offset()) {
    auto read = log.read(offset, ReadOptions{});
    EXPECT_TRUE(read.is_ok()) << read.status().to_string();
    if (!read.is_ok() || read->empty()) break;
    std::string bytes;
    EXPECT_TRUE(read->append_to(&bytes).is_ok());
    auto split = split_batches(bytes, INT32_MAX);
    EXPECT_TRUE(split.is_ok()) << split.status().to_string();
    if (!split.is_ok()) break;
    for (const auto& batch : *split) {
      batches.emplace_back(batch.bytes());
      offset = batch.last_offset() + 1;
    }
  }
  return batches;
}

std::vector<std::filesystem::path> files_with_suffix(const std::filesystem::path& dir,
                                                     const std::string& suffix) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().string().ends_with(suffix)) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace sluice::storage::testing
