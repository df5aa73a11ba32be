// The I/O seam: every file operation of storage and the services goes through a FileSystem,
// so that tests can swap the disk for one that loses power, fails an fsync, fills up or tears
// a write (testing/fault_injecting_file_system.h). FileSystem::posix() is the real disk.
//
// A FileSystem is passed in explicitly (a parameter or an options field whose default is
// FileSystem::posix()); there is no mutable global. Paths are used as given; nothing here
// resolves them against the working directory.
//
// Thread-safety: every method of a FileSystem and of a File may be called from any thread;
// concurrent pwrites to disjoint ranges of one File are allowed, as with pwrite(2).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sluice {

// An open file. Errors are Statuses naming the file; ENOSPC and EDQUOT are kStorageFull.
class File {
 public:
  virtual ~File() = default;

  // Reads exactly `n` bytes at `offset`; OutOfRange when the file is shorter.
  virtual Status pread(char* out, size_t n, uint64_t offset) const = 0;
  // Writes all of `data` at `offset`. On failure a prefix of it may have been written.
  virtual Status pwrite(std::string_view data, uint64_t offset) = 0;
  // Makes the file's data and size durable (fdatasync(2)); not its directory entry.
  virtual Status sync() = 0;
  virtual Status truncate(uint64_t size) = 0;
  // Reserves disk blocks for [offset, offset + length) without changing the size
  // (fallocate(2) with FALLOC_FL_KEEP_SIZE). truncate() frees blocks beyond the new size.
  virtual Status preallocate(uint64_t offset, uint64_t length) = 0;
  virtual Result<uint64_t> size() const = 0;
  // The operating system's descriptor, for zero-copy transfers (sendfile); -1 when the
  // file is not backed by one (a test file system).
  virtual int native_fd() const = 0;
  const std::filesystem::path& path() const { return path_; }

 protected:
  explicit File(std::filesystem::path path) : path_(std::move(path)) {}

 private:
  const std::filesystem::path path_;
};

enum class OpenMode {
  kRead,           // an existing file, read only
  kReadWrite,      // an existing file
  kCreate,         // read-write, created empty when missing
  kCreateNew,      // read-write, AlreadyExists when the file exists
  kCreateTruncate  // read-write, created when missing, emptied when present
};

struct DirectoryEntry {
  std::string name;
  bool is_directory = false;
};

class FileSystem {
 public:
  // The real disk, through POSIX calls. Lives for the whole process.
  static FileSystem& posix();

  virtual ~FileSystem() = default;

  // NotFound when a file opened without a create mode is missing.
  virtual Result<std::unique_ptr<File>> open(const std::filesystem::path& path, OpenMode mode) = 0;
  // Replaces `to` with `from` atomically (rename(2)); durable once both directories are
  // synced.
  virtual Status rename(const std::filesystem::path& from, const std::filesystem::path& to) = 0;
  // Unlinks a file; NotFound when it is missing. Open Files stay readable.
  virtual Status remove(const std::filesystem::path& path) = 0;
  // Removes a file or a directory tree; OK when it is missing.
  virtual Status remove_all(const std::filesystem::path& path) = 0;
  // Creates one directory; OK when it exists. Durable once its parent is synced.
  virtual Status create_directory(const std::filesystem::path& path) = 0;
  virtual Result<std::vector<DirectoryEntry>> list(const std::filesystem::path& dir) = 0;
  virtual Result<bool> exists(const std::filesystem::path& path) = 0;
  // fsyncs a directory so that entries created, renamed or removed in it survive a crash.
  virtual Status sync_directory(const std::filesystem::path& dir) = 0;
};

// Creates `dir` and its missing parents, syncing the parent of each one created so that
// the directories survive a crash.
Status create_directories(FileSystem& fs, const std::filesystem::path& dir);

// Replaces `path` with `contents` atomically and durably: write `path`.tmp, fsync it,
// rename it over `path`, fsync the directory.
Status write_file_atomically(FileSystem& fs, const std::filesystem::path& path,
                             std::string_view contents);
Result<std::string> read_small_file(FileSystem& fs, const std::filesystem::path& path);

}  // namespace sluice
