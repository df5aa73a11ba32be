// Message move tasks (StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask):
// dead-letter queue redrive. A task moves the visible messages of a dead-letter queue (the
// source) back to the queues they came from (each message's DeadLetterQueueSourceArn) or to
// one given destination, at most MaxNumberOfMessagesPerSecond (1-500; absent: as fast as
// batches of 10 go).
//
//   MoveTasks tasks(manager);
//   Result<std::string> handle = tasks.start({.source_arn = dlq->arn()});
//   tasks.list(dlq->arn(), 10);   // newest first: RUNNING, then COMPLETED with counts
//   tasks.cancel(*handle);
//
// Each batch goes through the queues' public API: receive from the source (a 30 s
// visibility), append to the destination as the same message (id, body, attributes,
// SentTimestamp; Queue::accept_moved), then delete from the source. A crash between the
// append and the delete therefore duplicates a message (it reappears in the source after
// the visibility) and never loses one. A message that cannot be moved (its original queue is
// gone, or the append fails) is made visible again in the source and the task FAILS with
// the reason.
//
// Semantics (SQS Developer Guide, "dead-letter queue redrive"): the source must be a
// dead-letter queue of some queue; one RUNNING task per source; ApproximateNumberOfMessages-
// ToMove is the source's message count when the task starts; the task COMPLETES when it has
// moved that many or the source has no visible message left. Tasks live in memory: after a
// restart the list is empty and an interrupted task must be started again (its messages
// are all still in one queue or the other).
//
// Thread-safety: every public method may be called from any thread. One background thread
// (started with the first task, joined by the destructor) does the moving.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "queues/queue_manager.h"
#include "storage/partition_log.h"

namespace sluice::queues {

inline constexpr int64_t kMaxMoveRatePerSecond = 500;
inline constexpr size_t kMoveTasksKeptPerSource = 10;
inline constexpr int64_t kMoveVisibilitySeconds = 30;

enum class MoveTaskStatus { kRunning, kCompleted, kCancelled, kFailed };
// "RUNNING", "COMPLETED", "CANCELLED", "FAILED"
std::string_view move_task_status_name(MoveTaskStatus status);

struct MoveTaskRequest {
  std::string source_arn;
  std::optional<std::string> destination_arn;  // absent: each message's original queue
  std::optional<int64_t> max_per_second;       // 1-500
};

struct MoveTaskInfo {
  std::string handle;
  MoveTaskStatus status = MoveTaskStatus::kRunning;
  std::string source_arn;
  std::optional<std::string> destination_arn;
  std::optional<int64_t> max_per_second;
  int64_t moved = 0;
  int64_t to_move = 0;
  std::string failure_reason;  // FAILED only
  int64_t started_ms = 0;
};

class MoveTasks {
 public:
  explicit MoveTasks(QueueManager& queues, storage::Clock clock = storage::system_clock_ms);
  ~MoveTasks();
  MoveTasks(const MoveTasks&) = delete;
  MoveTasks& operator=(const MoveTasks&) = delete;

  // The new task's handle. ResourceNotFoundException when the source or destination queue
  // does not exist; InvalidParameterValue when the source is no dead-letter queue, a task
  // already runs for it, the destination is the source, or the rate is outside 1-500.
  Result<std::string> start(const MoveTaskRequest& request);
  // Cancels a RUNNING task; returns how many messages it moved (after waiting for a batch in
  // progress, so the count is final). ResourceNotFoundException
  // for an unknown handle or a task that is no longer running.
  Result<int64_t> cancel(const std::string& handle);
  // The source's most recent tasks, newest first, at most max_results (1-10).
  // ResourceNotFoundException when the source queue does not exist.
  Result<std::vector<MoveTaskInfo>> list(const std::string& source_arn, int64_t max_results);

 private:
  struct Task {
    MoveTaskInfo info;  // GUARDED_BY(mu_)
    bool busy = false;  // the mover is in a batch of this task; GUARDED_BY(mu_)
    double tokens = 0;  // rate limiting; mover thread only
    int64_t last_refill_ms = 0;
  };

  void run();
  // Moves up to `limit` messages of `task`; returns how many it moved. Updates the task's
  // status on completion or failure.
  int64_t move_batch(const std::shared_ptr<Task>& task, int limit);
  void finish(const std::shared_ptr<Task>& task, MoveTaskStatus status, std::string reason);

  QueueManager& queues_;
  const storage::Clock clock_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable batch_done_;                                  // a task's busy went false
  bool stopping_ = false;                                               // GUARDED_BY(mu_)
  std::map<std::string, std::deque<std::shared_ptr<Task>>> by_source_;  // newest first
  std::map<std::string, std::shared_ptr<Task>> by_handle_;              // GUARDED_BY(mu_)
  std::thread mover_;                                                   // started lazily
};

}  // namespace sluice::queues
