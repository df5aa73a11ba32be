// Thin, error-checked wrappers over POSIX file calls: an owning file descriptor, whole
// reads and writes that retry short transfers and EINTR, and the directory fsync that makes
// a created, renamed or removed name durable. The building blocks of FileSystem::posix()
// (file_system.h); storage and the services use a FileSystem, never these directly.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sluice {

class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() { reset(); }
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(other.release()) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = other.release();
    }
    return *this;
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset();

 private:
  int fd_ = -1;
};

// Opens `path` with open(2) `flags` (O_CLOEXEC is added) and mode 0644.
Result<FileDescriptor> open_file(const std::filesystem::path& path, int flags);

// Reads exactly `n` bytes at `offset`; a short file is OutOfRange. `what` names the file in
// errors.
Status pread_full(int fd, char* out, size_t n, uint64_t offset, std::string_view what = {});
// Writes all of `data` at `offset`.
Status pwrite_full(int fd, std::string_view data, uint64_t offset, std::string_view what = {});
Status fdatasync_fd(int fd, std::string_view what);
Status truncate_fd(int fd, uint64_t size, std::string_view what);
Result<uint64_t> file_size(int fd);

// fsyncs a directory so that entries created, renamed or unlinked in it survive a crash.
Status sync_directory(const std::filesystem::path& dir);

}  // namespace sluice
