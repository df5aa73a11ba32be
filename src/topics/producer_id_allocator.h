// Producer ids for idempotent producers (InitProducerId), never reused, also across
// restarts: ids are reserved in blocks, and a block's end is written durably before any id
// from it is handed out. A crash wastes the rest of a block, never repeats an id.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>

#include "common/file_system.h"
#include "common/status.h"

namespace sluice::topics {

class ProducerIdAllocator {
 public:
  static constexpr int64_t kBlockSize = 1000;

  // `file` holds the first id not yet reserved (created with 0 when missing).
  static Result<std::unique_ptr<ProducerIdAllocator>> open(const std::filesystem::path& file,
                                                           FileSystem& fs = FileSystem::posix());

  Result<int64_t> next();

 private:
  ProducerIdAllocator(std::filesystem::path file, FileSystem& fs, int64_t reserved_until)
      : file_(std::move(file)), fs_(fs), next_(reserved_until), reserved_until_(reserved_until) {}

  const std::filesystem::path file_;
  FileSystem& fs_;
  std::mutex mu_;
  int64_t next_;            // GUARDED_BY(mu_)
  int64_t reserved_until_;  // GUARDED_BY(mu_)
};

}  // namespace sluice::topics
