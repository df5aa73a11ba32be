#include "server/data_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

namespace sluice::server {

Result<DataDirLock> DataDirLock::acquire(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::io_error("create data dir " + dir.string() + ": " + ec.message());
  SLUICE_ASSIGN_OR_RETURN(FileDescriptor fd, open_file(dir / ".lock", O_RDWR | O_CREAT));
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return Status::failed_precondition("data dir " + dir.string() +
                                         " is in use by another sluice process");
    }
    return Status::from_errno("flock " + (dir / ".lock").string(), errno);
  }
  return DataDirLock(std::move(fd));
}

}  // namespace sluice::server
