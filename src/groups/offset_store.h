// Committed consumer-group offsets, kept durable in an internal partition log.
//
// Every commit call appends one record batch (so a multi-partition commit is atomic) with a
// record per partition: key = (group, topic, partition), value = (offset, leader epoch,
// commit time, metadata), or a null value to delete. The whole state is rebuilt by replaying
// the log on open. The log is never compacted yet, so it only grows; with fsync=always a
// commit returns once it is on disk.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "common/status.h"
#include "storage/partition_log.h"

namespace sluice::groups {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

struct CommittedOffset {
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  int64_t commit_timestamp = 0;
  std::string metadata;
  bool operator==(const CommittedOffset&) const = default;
};

class OffsetStore {
 public:
  static Result<std::unique_ptr<OffsetStore>> open(const std::filesystem::path& dir,
                                                   const storage::LogConfig& config,
                                                   FileSystem& fs = FileSystem::posix());

  // Durably records `offsets` for `group`, all or nothing.
  Status commit(const std::string& group,
                const std::vector<std::pair<TopicPartition, CommittedOffset>>& offsets);
  // Forgets the given partitions of `group` (OffsetDelete), or all of them when empty.
  Status remove(const std::string& group, const std::vector<TopicPartition>& partitions);

  std::optional<CommittedOffset> fetch(const std::string& group, const TopicPartition& tp) const;
  std::map<TopicPartition, CommittedOffset> fetch_all(const std::string& group) const;
  // Groups that have at least one committed offset.
  std::vector<std::string> groups() const;

  const storage::LogRecovery& recovery() const { return log_->recovery(); }
  // Closes the log cleanly (its destructor does too); later commits fail.
  Status close() { return log_->close(); }

 private:
  explicit OffsetStore(std::unique_ptr<storage::PartitionLog> log) : log_(std::move(log)) {}

  Status replay();
  Status append(
      const std::string& group,
      const std::vector<std::pair<TopicPartition, std::optional<CommittedOffset>>>& changes);
  void apply(const std::string& group, const TopicPartition& tp,
             const std::optional<CommittedOffset>& value);

  std::unique_ptr<storage::PartitionLog> log_;
  mutable std::mutex mu_;
  std::map<std::string, std::map<TopicPartition, CommittedOffset>> offsets_;  // GUARDED_BY(mu_)
};

}  // namespace sluice::groups
