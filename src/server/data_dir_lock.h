// An exclusive lock on a data directory, so that two brokers never write the same logs.
#pragma once

#include <filesystem>

#include "common/file.h"
#include "common/status.h"

namespace sluice::server {

class DataDirLock {
 public:
  // Creates `dir` if needed and takes an exclusive flock on `dir/.lock`. FailedPrecondition
  // when another process holds it. The lock lasts as long as the returned object.
  static Result<DataDirLock> acquire(const std::filesystem::path& dir);

 private:
  explicit DataDirLock(FileDescriptor fd) : fd_(std::move(fd)) {}
  FileDescriptor fd_;
};

}  // namespace sluice::server
