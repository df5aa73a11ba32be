// An in-memory FileSystem for tests that loses power, fails syncs, fills up and tears
// writes, inside one process.
//
// The model (exact for what Sluice's storage does: appends, preallocation, truncation,
// atomic replace by temp file + fsync + rename + directory fsync):
//
// - A file has two contents: what reads see (the page cache) and what is durable. File::sync
//   (fdatasync) makes the durable contents equal to what reads see, size included. A
//   truncation or write that was not synced is lost on power loss, whole: the disk is
//   assumed to keep nothing it was not told to keep (torn writes that do reach the disk are
//   injected explicitly with tear_next_write).
// - A directory has two entry sets: the current one and the durable one. Creating, renaming,
//   removing a file and creating or removing a directory change the current set of the
//   directories involved; sync_directory makes one directory's durable set equal to its
//   current set. A new directory is itself durable only once its parent is synced, and its
//   entries only once it is synced. So a file written and fdatasynced in a directory that
//   was never synced disappears on power loss, and a rename not followed by a directory
//   sync is undone.
// - Power loss (lose_power, or lose_power_before_operation for a cut at an exact point)
//   makes every later call fail with EIO, like a process that died with the machine;
//   power_on() then replaces every directory's entries and every file's contents with their
//   durable versions. Files opened before power_on stay dead (EIO) forever.
// - Preallocation (File::preallocate, fallocate with KEEP_SIZE) reserves space without
//   changing the size, so reserved blocks never show up as data; truncate frees the
//   reservation beyond the new size, as Linux does. Reservations survive power loss.
// - Space: with set_free_bytes(K) the disk has K bytes free now. A write that grows a file
//   beyond its reserved blocks consumes the difference; one that does not fit writes the
//   prefix that fits and fails with ENOSPC, like write(2) on a full disk. Used space is the
//   sum over the files reachable from the root of max(size, reserved); a removed file frees
//   its space at once, even while still open.
// - Injected errors (inject): an operation kind, a path substring, how many matching calls
//   to let through first and how many to fail. A failed sync leaves the durable contents as
//   they were (the fsyncgate behaviour: the kernel may have dropped the dirty pages).
//
// Thread-safe: one mutex guards the whole tree. The sync hook runs outside it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/file_system.h"

namespace sluice::testing {

// Operations that can fail, and that lose_power_before_operation counts.
enum class Operation {
  kOpen,           // any open; counted (and cut) only when it creates or truncates
  kWrite,          // File::pwrite
  kPreallocate,    // File::preallocate
  kTruncate,       // File::truncate
  kSync,           // File::sync
  kRename,         // FileSystem::rename
  kRemove,         // FileSystem::remove and remove_all
  kMkdir,          // FileSystem::create_directory (only when it creates)
  kSyncDirectory,  // FileSystem::sync_directory
};

struct Fault {
  Operation operation = Operation::kWrite;
  std::string path_contains;  // empty: any path
  uint64_t skip = 0;          // matching calls to let through before failing
  int64_t times = -1;         // matching calls to fail after that; -1: every one
  int error = EIO;            // errno reported (ENOSPC makes a kStorageFull Status)
};

enum class AfterTear {
  kFail,       // the write returns EIO; power stays on
  kLosePower,  // the written prefix reaches the disk, then the power goes
};

class FaultInjectingFileSystem final : public FileSystem {
 public:
  FaultInjectingFileSystem();
  ~FaultInjectingFileSystem() override;

  Result<std::unique_ptr<File>> open(const std::filesystem::path& path, OpenMode mode) override;
  Status rename(const std::filesystem::path& from, const std::filesystem::path& to) override;
  Status remove(const std::filesystem::path& path) override;
  Status remove_all(const std::filesystem::path& path) override;
  Status create_directory(const std::filesystem::path& path) override;
  Result<std::vector<DirectoryEntry>> list(const std::filesystem::path& dir) override;
  Result<bool> exists(const std::filesystem::path& path) override;
  Status sync_directory(const std::filesystem::path& dir) override;

  // --- Power.
  void lose_power();
  // The `n`-th counted operation from now (n >= 1) finds the power gone: it and every later
  // call fail with EIO. Counted: every Operation except an open that creates nothing and a
  // create_directory of an existing directory.
  void lose_power_before_operation(uint64_t n);
  // Brings back the durable state (see the model above) and accepts calls again.
  void power_on();
  bool powered() const;
  // Counted operations so far, for choosing cut points.
  uint64_t operations() const;

  // --- Faults.
  void inject(const Fault& fault);
  void clear_faults();
  // The next write to a file whose path contains `path_contains` writes only its first
  // `keep` bytes, then fails or loses power.
  void tear_next_write(const std::string& path_contains, size_t keep, AfterTear then);
  void set_free_bytes(uint64_t bytes);
  void set_unlimited_space();
  uint64_t used_bytes() const;
  // Runs before every File::sync (outside the lock), e.g. to make fsyncs slow.
  void set_sync_hook(std::function<void(const std::filesystem::path&)> hook);

  // --- Counters and inspection.
  // File::sync calls on files opened at `path` (successful or not).
  uint64_t sync_count(const std::filesystem::path& path) const;
  // File::sync calls on every file at or below `dir`.
  uint64_t sync_count_under(const std::filesystem::path& dir) const;
  // What power loss would leave of a file now; nullopt when it would not exist.
  std::optional<std::string> durable_contents(const std::filesystem::path& path) const;

 private:
  struct Node;
  class FaultFile;
  friend class FaultFile;
  using NodePtr = std::shared_ptr<Node>;

  // REQUIRES: mu_ held. Each returns an error Status when the call must fail.
  Status check_power(std::string_view what, const std::filesystem::path& path) const;
  // Counts the operation, cutting the power if due, then applies injected faults.
  Status begin(Operation operation, std::string_view what, const std::filesystem::path& path);
  // The injected fault this call meets, if any (not counted as an operation).
  Status injected(Operation operation, std::string_view what, const std::filesystem::path& path);
  NodePtr find(const std::filesystem::path& path) const;
  // The directory holding `path` and the last component; null when it does not exist.
  NodePtr parent_of(const std::filesystem::path& path, std::string* name) const;
  std::optional<uint64_t> free_bytes() const;
  uint64_t used_bytes_locked() const;
  void cut_power();

  mutable std::mutex mu_;
  NodePtr root_;
  bool powered_ = true;
  uint64_t generation_ = 0;  // bumped by power_on: Files of older generations are dead
  uint64_t operations_ = 0;
  std::optional<uint64_t> cut_at_;  // the operation count at which the power goes
  std::vector<Fault> faults_;
  struct Tear {
    std::string path_contains;
    size_t keep = 0;
    AfterTear then = AfterTear::kFail;
  };
  std::optional<Tear> tear_;
  std::optional<uint64_t> capacity_;  // used + free when a limit is set
  std::function<void(const std::filesystem::path&)> sync_hook_;
  std::map<std::string, uint64_t> sync_counts_;  // by the path files were opened at
};

}  // namespace sluice::testing
