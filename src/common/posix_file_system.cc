// FileSystem::posix(): the real disk, over the wrappers of common/file.h.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "common/file.h"
#include "common/file_system.h"

namespace sluice {
namespace {

int open_flags(OpenMode mode) {
  switch (mode) {
    case OpenMode::kRead:
      return O_RDONLY;
    case OpenMode::kReadWrite:
      return O_RDWR;
    case OpenMode::kCreate:
      return O_RDWR | O_CREAT;
    case OpenMode::kCreateNew:
      return O_RDWR | O_CREAT | O_EXCL;
    case OpenMode::kCreateTruncate:
      return O_RDWR | O_CREAT | O_TRUNC;
  }
  return O_RDONLY;
}

Status from_error_code(std::string_view call, const std::filesystem::path& path,
                       const std::error_code& ec) {
  return Status::from_errno(std::string(call) + " " + path.string(), ec.value());
}

class PosixFile final : public File {
 public:
  PosixFile(std::filesystem::path path, FileDescriptor fd)
      : File(std::move(path)), fd_(std::move(fd)), name_(this->path().string()) {}

  Status pread(char* out, size_t n, uint64_t offset) const override {
    return pread_full(fd_.get(), out, n, offset, name_);
  }
  Status pwrite(std::string_view data, uint64_t offset) override {
    return pwrite_full(fd_.get(), data, offset, name_);
  }
  Status sync() override { return fdatasync_fd(fd_.get(), name_); }
  Status truncate(uint64_t size) override { return truncate_fd(fd_.get(), size, name_); }
  Status preallocate(uint64_t offset, uint64_t length) override {
    if (::fallocate(fd_.get(), FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
                    static_cast<off_t>(length)) != 0) {
      return Status::from_errno("fallocate " + name_, errno);
    }
    return Status::ok();
  }
  Result<uint64_t> size() const override { return file_size(fd_.get()); }
  int native_fd() const override { return fd_.get(); }

 private:
  FileDescriptor fd_;
  const std::string name_;
};

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::unique_ptr<File>> open(const std::filesystem::path& path, OpenMode mode) override {
    const int fd = ::open(path.c_str(), open_flags(mode) | O_CLOEXEC, 0644);
    if (fd < 0) {
      if (errno == ENOENT) return Status::not_found("open " + path.string() + ": no such file");
      if (errno == EEXIST) return Status::already_exists("open " + path.string() + ": exists");
      return Status::from_errno("open " + path.string(), errno);
    }
    return std::unique_ptr<File>(new PosixFile(path, FileDescriptor(fd)));
  }

  Status rename(const std::filesystem::path& from, const std::filesystem::path& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return Status::from_errno("rename " + from.string() + " to " + to.string(), errno);
    }
    return Status::ok();
  }

  Status remove(const std::filesystem::path& path) override {
    if (::unlink(path.c_str()) == 0) return Status::ok();
    if (errno == ENOENT) return Status::not_found("unlink " + path.string() + ": no such file");
    return Status::from_errno("unlink " + path.string(), errno);
  }

  Status remove_all(const std::filesystem::path& path) override {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
    if (ec) return from_error_code("remove", path, ec);
    return Status::ok();
  }

  Status create_directory(const std::filesystem::path& path) override {
    if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return Status::ok();
    return Status::from_errno("mkdir " + path.string(), errno);
  }

  Result<std::vector<DirectoryEntry>> list(const std::filesystem::path& dir) override {
    std::vector<DirectoryEntry> entries;
    std::error_code ec;
    for (const auto& item : std::filesystem::directory_iterator(dir, ec)) {
      std::error_code type_ec;
      entries.push_back({item.path().filename().string(), item.is_directory(type_ec)});
    }
    if (ec) return from_error_code("list", dir, ec);
    return entries;
  }

  Result<bool> exists(const std::filesystem::path& path) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) return true;
    if (errno == ENOENT || errno == ENOTDIR) return false;
    return Status::from_errno("stat " + path.string(), errno);
  }

  Status sync_directory(const std::filesystem::path& dir) override {
    return ::sluice::sync_directory(dir);
  }
};

}  // namespace

FileSystem& FileSystem::posix() {
  static PosixFileSystem* const instance = new PosixFileSystem();  // never destroyed
  return *instance;
}

}  // namespace sluice
