// queue.json: what a queue is, as opposed to what it holds. Written whole and atomically
// (write_file_atomically) on every change; read once on open.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "common/file_system.h"
#include "common/status.h"
#include "queues/queue_attributes.h"

namespace sluice::queues {

struct QueueMetadata {
  QueueAttributes attributes;
  StringMap tags;
  int64_t created_s = 0;
  int64_t last_modified_s = 0;
  std::string secret;  // signs receipt handles (receipt_handle.h); raw bytes
};

Status write_queue_metadata(FileSystem& fs, const std::filesystem::path& file,
                            const QueueMetadata& metadata);
Result<QueueMetadata> read_queue_metadata(FileSystem& fs, const std::filesystem::path& file);

}  // namespace sluice::queues
