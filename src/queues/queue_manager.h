// All queues of a broker: one directory per queue under the manager's directory
// (<dir>/<queue-name>/, see queue.h), opened and replayed on open(). A maintenance thread
// calls Queue::maintain() on every queue each maintenance_interval_ms (space of expired
// messages, due checkpoints).
//
// Thread-safety: every public method may be called from any thread. The manager's lock is
// never held while calling into a Queue that could call back (dead-letter resolution).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "queues/queue.h"
#include "storage/partition_log.h"

namespace sluice::queues {

inline constexpr int64_t kQueueRecreateDelayMs = 60 * 1000;
inline constexpr int64_t kMaxListedQueues = 1000;

struct QueueManagerOptions {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  storage::Clock clock = storage::system_clock_ms;
  // For both logs of every queue; retention and fsync are overridden (the queue decides
  // what is gone; every acknowledged change is fsynced).
  storage::LogConfig log_config;
  QueueStorageOptions queue_storage;
  // 0: no maintenance thread (tests call maintain() themselves).
  int64_t maintenance_interval_ms = 1000;
  // Every queue file goes through it; must outlive the manager.
  FileSystem* fs = &FileSystem::posix();
};

struct QueueList {
  std::vector<std::string> names;
  std::optional<std::string> next_token;
};

class QueueManager {
 public:
  static Result<std::unique_ptr<QueueManager>> open(const std::filesystem::path& dir,
                                                    QueueManagerOptions options);
  ~QueueManager();

  // CreateQueue: the existing queue when every given attribute matches its value
  // (QueueNameExists otherwise); QueueDeletedRecently within 60 s of deleting that name.
  // Attributes are validated with sqs/protocol/validation.h; a RedrivePolicy must name an
  // existing queue of the same type.
  Result<std::shared_ptr<Queue>> create_queue(const std::string& name, const StringMap& attributes,
                                              const StringMap& tags);
  // QueueDoesNotExist when there is no such queue.
  Result<std::shared_ptr<Queue>> get_queue(const std::string& name) const;
  Status delete_queue(const std::string& name);
  // Names in lexicographic order starting with `prefix`. Without max_results: up to 1000 and
  // no token (SQS gives a NextToken only when MaxResults is set).
  Result<QueueList> list_queues(const std::string& prefix, std::optional<int64_t> max_results,
                                const std::optional<std::string>& next_token) const;
  // SetQueueAttributes, with the RedrivePolicy target check of create_queue.
  Status set_queue_attributes(const std::string& name, const StringMap& attributes);
  // ListDeadLetterSourceQueues: queues whose RedrivePolicy targets `name`.
  Result<std::vector<std::string>> dead_letter_source_queues(const std::string& name) const;

  std::string arn(const std::string& name) const;
  // The queue an ARN of this region and account names; null when none.
  std::shared_ptr<Queue> find_by_arn(const std::string& arn) const;

  // Queue::maintain() on every queue; the maintenance thread calls this.
  Status maintain();
  // Every queue, in name order.
  std::vector<std::shared_ptr<Queue>> all_queues() const;
  // What opening every queue's logs found.
  storage::RecoveryTally recovery() const;

  // Stops the maintenance thread and closes every queue cleanly.
  Status close();

 private:
  QueueManager(std::filesystem::path dir, QueueManagerOptions options)
      : dir_(std::move(dir)), options_(std::move(options)) {}

  QueueContext context_for(const std::string& name);
  void run_maintenance();
  void stop_maintenance();
  Status check_redrive_target(const StringMap& attributes, bool fifo) const;

  const std::filesystem::path dir_;
  const QueueManagerOptions options_;

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Queue>> queues_;  // GUARDED_BY(mu_)
  std::map<std::string, int64_t> deleted_at_ms_;          // GUARDED_BY(mu_)

  std::mutex maintenance_mu_;
  std::condition_variable maintenance_cv_;
  bool stopping_ = false;  // GUARDED_BY(maintenance_mu_)
  std::thread maintenance_;
};

}  // namespace sluice::queues
