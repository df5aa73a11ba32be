#include "common/file_system.h"

#include <vector>

namespace sluice {

Status create_directories(FileSystem& fs, const std::filesystem::path& dir) {
  // Walk up to the first directory that exists, then create downwards.
  std::vector<std::filesystem::path> missing;
  for (std::filesystem::path at = dir; !at.empty(); at = at.parent_path()) {
    SLUICE_ASSIGN_OR_RETURN(bool present, fs.exists(at));
    if (present) break;
    missing.push_back(at);
    if (at == at.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    SLUICE_RETURN_IF_ERROR(fs.create_directory(*it));
    std::filesystem::path parent = it->parent_path();
    if (parent.empty()) parent = ".";
    SLUICE_RETURN_IF_ERROR(fs.sync_directory(parent));
  }
  return Status::ok();
}

Status write_file_atomically(FileSystem& fs, const std::filesystem::path& path,
                             std::string_view contents) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    SLUICE_ASSIGN_OR_RETURN(auto file, fs.open(tmp, OpenMode::kCreateTruncate));
    SLUICE_RETURN_IF_ERROR(file->pwrite(contents, 0));
    SLUICE_RETURN_IF_ERROR(file->sync());
  }
  SLUICE_RETURN_IF_ERROR(fs.rename(tmp, path));
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  return fs.sync_directory(dir);
}

Result<std::string> read_small_file(FileSystem& fs, const std::filesystem::path& path) {
  SLUICE_ASSIGN_OR_RETURN(auto file, fs.open(path, OpenMode::kRead));
  SLUICE_ASSIGN_OR_RETURN(uint64_t size, file->size());
  std::string out(size, '\0');
  SLUICE_RETURN_IF_ERROR(file->pread(out.data(), out.size(), 0));
  return out;
}

}  // namespace sluice
