#include "common/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace sluice {

void FileDescriptor::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Result<FileDescriptor> open_file(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) return Status::from_errno("open " + path.string(), errno);
  return FileDescriptor(fd);
}

namespace {

std::string context(std::string_view call, std::string_view what) {
  std::string out(call);
  if (!what.empty()) {
    out += ' ';
    out += what;
  }
  return out;
}

}  // namespace

Status pread_full(int fd, char* out, size_t n, uint64_t offset, std::string_view what) {
  while (n > 0) {
    const ssize_t got = ::pread(fd, out, n, static_cast<off_t>(offset));
    if (got < 0) {
      if (errno == EINTR) continue;
      return Status::from_errno(context("pread", what), errno);
    }
    if (got == 0) return Status::out_of_range(context("pread", what) + " past end of file");
    out += got;
    n -= static_cast<size_t>(got);
    offset += static_cast<uint64_t>(got);
  }
  return Status::ok();
}

Status pwrite_full(int fd, std::string_view data, uint64_t offset, std::string_view what) {
  while (!data.empty()) {
    const ssize_t put = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (put < 0) {
      if (errno == EINTR) continue;
      return Status::from_errno(context("pwrite", what), errno);
    }
    data.remove_prefix(static_cast<size_t>(put));
    offset += static_cast<uint64_t>(put);
  }
  return Status::ok();
}

Status fdatasync_fd(int fd, std::string_view what) {
  if (::fdatasync(fd) != 0) return Status::from_errno("fdatasync " + std::string(what), errno);
  return Status::ok();
}

Status truncate_fd(int fd, uint64_t size, std::string_view what) {
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    return Status::from_errno("ftruncate " + std::string(what), errno);
  }
  return Status::ok();
}

Result<uint64_t> file_size(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Status::from_errno("fstat", errno);
  return static_cast<uint64_t>(st.st_size);
}

Status sync_directory(const std::filesystem::path& dir) {
  SLUICE_ASSIGN_OR_RETURN(FileDescriptor fd, open_file(dir, O_RDONLY | O_DIRECTORY));
  if (::fsync(fd.get()) != 0) return Status::from_errno("fsync " + dir.string(), errno);
  return Status::ok();
}

}  // namespace sluice
