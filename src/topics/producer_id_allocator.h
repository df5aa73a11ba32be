// Producer ids for idempotent producers (InitProducerId), never reused, also across
// restarts: ids are reserved in blocks, and a block's end is written durably before any id
// from it is handed out. A crash wastes the rest of a block, never repeats an id.
//
// On a single node the blocks come from a local file; in cluster mode from the metadata
// store (one counter for the cluster), so that no two brokers hand out the same id.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
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

  // Durably reserves `size` ids and returns the first.
  using BlockSource = std::function<Result<int64_t>(int64_t size)>;
  // Blocks come from `source` (cluster mode: the metadata store's counter).
  static std::unique_ptr<ProducerIdAllocator> from(BlockSource source);

  Result<int64_t> next();

 private:
  explicit ProducerIdAllocator(BlockSource source) : source_(std::move(source)) {}

  const BlockSource source_;
  std::mutex mu_;
  int64_t next_ = 0;            // GUARDED_BY(mu_)
  int64_t reserved_until_ = 0;  // GUARDED_BY(mu_)
};

}  // namespace sluice::topics
