#include "queues/move_task.h"

#include <algorithm>
#include <charconv>
#include <chrono>

#include "common/log.h"
#include "queues/stored_message.h"
#include "sqs/protocol/errors.h"

namespace sluice::queues {
namespace {

using sqs::protocol::ErrorCode;
using sqs::protocol::make_error;

constexpr int kBatch = 10;
// How long the mover sleeps when no task could move anything (rate-limited or idle source).
constexpr auto kIdlePause = std::chrono::milliseconds(20);

std::string attribute(const StringMap& attributes, const std::string& name) {
  auto it = attributes.find(name);
  return it == attributes.end() ? std::string() : it->second;
}

int64_t to_int(const std::string& text) {
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// The message as the destination stores it: the same id, body and attributes; no longer
// marked as dead-lettered.
StoredMessage to_stored(const ReceivedMessage& received, bool fifo_destination, int64_t now_ms) {
  StoredMessage message;
  message.message_id = received.message_id;
  message.body = received.body;
  message.attributes = received.attributes;
  const StringMap& system = received.system_attributes;
  // A FIFO queue resets the enqueue time of a moved message, a standard one keeps it (as for
  // moves into a dead-letter queue).
  message.sent_ms = fifo_destination ? now_ms : to_int(attribute(system, "SentTimestamp"));
  message.visible_at_ms = std::min(message.sent_ms, now_ms);
  message.group_id = attribute(system, "MessageGroupId");
  message.dedup_id = attribute(system, "MessageDeduplicationId");
  message.trace_header = attribute(system, "AWSTraceHeader");
  return message;
}

Status not_found(const std::string& what) {
  return make_error(ErrorCode::kResourceNotFoundException, what);
}

}  // namespace

std::string_view move_task_status_name(MoveTaskStatus status) {
  switch (status) {
    case MoveTaskStatus::kRunning:
      return "RUNNING";
    case MoveTaskStatus::kCompleted:
      return "COMPLETED";
    case MoveTaskStatus::kCancelled:
      return "CANCELLED";
    case MoveTaskStatus::kFailed:
      return "FAILED";
  }
  return "FAILED";
}

MoveTasks::MoveTasks(QueueManager& queues, storage::Clock clock)
    : queues_(queues), clock_(std::move(clock)) {}

MoveTasks::~MoveTasks() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (mover_.joinable()) mover_.join();
}

Result<std::string> MoveTasks::start(const MoveTaskRequest& request) {
  std::shared_ptr<Queue> source = queues_.find_by_arn(request.source_arn);
  if (!source)
    return not_found(
        "The resource that you specified for the SourceArn parameter "
        "doesn't exist.");
  SLUICE_ASSIGN_OR_RETURN(auto redriving, queues_.dead_letter_source_queues(source->name()));
  if (redriving.empty()) {
    return make_error(ErrorCode::kInvalidParameterValue,
                      "Source queue must be configured as a Dead Letter Queue.");
  }
  if (request.destination_arn) {
    std::shared_ptr<Queue> destination = queues_.find_by_arn(*request.destination_arn);
    if (!destination) {
      return not_found(
          "The resource that you specified for the DestinationArn parameter "
          "doesn't exist.");
    }
    if (destination == source) {
      return make_error(ErrorCode::kInvalidParameterValue,
                        "The destination queue must differ from the source queue.");
    }
  }
  if (request.max_per_second &&
      (*request.max_per_second < 1 || *request.max_per_second > kMaxMoveRatePerSecond)) {
    return make_error(ErrorCode::kInvalidParameterValue,
                      "Value " + std::to_string(*request.max_per_second) +
                          " for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: must "
                          "be between 1 and 500.");
  }
  const QueueCounts counts = source->counts();
  auto task = std::make_shared<Task>();
  task->info.handle = new_message_id();
  task->info.source_arn = request.source_arn;
  task->info.destination_arn = request.destination_arn;
  task->info.max_per_second = request.max_per_second;
  task->info.to_move = counts.visible + counts.not_visible + counts.delayed;
  task->info.started_ms = clock_();
  task->last_refill_ms = task->info.started_ms;
  {
    std::lock_guard lock(mu_);
    auto& tasks = by_source_[request.source_arn];
    if (!tasks.empty() && tasks.front()->info.status == MoveTaskStatus::kRunning) {
      return make_error(ErrorCode::kInvalidParameterValue,
                        "There is already a task running. Only one active task is allowed for "
                        "a source queue arn at a given time.");
    }
    tasks.push_front(task);
    by_handle_[task->info.handle] = task;
    while (tasks.size() > kMoveTasksKeptPerSource) {
      by_handle_.erase(tasks.back()->info.handle);
      tasks.pop_back();
    }
    if (!mover_.joinable()) mover_ = std::thread([this] { run(); });
  }
  wake_.notify_all();
  log::get("queues")->info("move task started source={} destination={} to_move={}",
                           request.source_arn, request.destination_arn.value_or("(origins)"),
                           task->info.to_move);
  return task->info.handle;
}

Result<int64_t> MoveTasks::cancel(const std::string& handle) {
  std::unique_lock lock(mu_);
  auto it = by_handle_.find(handle);
  if (it == by_handle_.end()) return not_found("Task does not exist.");
  std::shared_ptr<Task> task = it->second;
  if (task->info.status != MoveTaskStatus::kRunning) {
    return not_found("Only a task with status RUNNING can be cancelled; this one is " +
                     std::string(move_task_status_name(task->info.status)) + ".");
  }
  task->info.status = MoveTaskStatus::kCancelled;
  batch_done_.wait(lock, [&] { return !task->busy; });
  return task->info.moved;
}

Result<std::vector<MoveTaskInfo>> MoveTasks::list(const std::string& source_arn,
                                                  int64_t max_results) {
  if (max_results < 1 || max_results > 10) {
    return make_error(ErrorCode::kInvalidParameterValue,
                      "Value " + std::to_string(max_results) +
                          " for parameter MaxResults is invalid. Reason: must be between 1 and "
                          "10.");
  }
  if (!queues_.find_by_arn(source_arn)) {
    return not_found(
        "The resource that you specified for the SourceArn parameter doesn't "
        "exist.");
  }
  std::lock_guard lock(mu_);
  std::vector<MoveTaskInfo> out;
  auto it = by_source_.find(source_arn);
  if (it == by_source_.end()) return out;
  for (const auto& task : it->second) {
    if (static_cast<int64_t>(out.size()) == max_results) break;
    out.push_back(task->info);
  }
  return out;
}

void MoveTasks::finish(const std::shared_ptr<Task>& task, MoveTaskStatus status,
                       std::string reason) {
  std::lock_guard lock(mu_);
  if (task->info.status != MoveTaskStatus::kRunning) return;  // cancelled meanwhile
  task->info.status = status;
  task->info.failure_reason = std::move(reason);
  log::get("queues")->info("move task {} source={} moved={}", move_task_status_name(status),
                           task->info.source_arn, task->info.moved);
}

int64_t MoveTasks::move_batch(const std::shared_ptr<Task>& task, int limit) {
  MoveTaskInfo info;
  {
    std::lock_guard lock(mu_);
    info = task->info;
  }
  std::shared_ptr<Queue> source = queues_.find_by_arn(info.source_arn);
  if (!source) {
    finish(task, MoveTaskStatus::kFailed, "The source queue was deleted.");
    return 0;
  }
  std::shared_ptr<Queue> fixed_destination;
  if (info.destination_arn) {
    fixed_destination = queues_.find_by_arn(*info.destination_arn);
    if (!fixed_destination) {
      finish(task, MoveTaskStatus::kFailed, "The destination queue was deleted.");
      return 0;
    }
  }
  const int wanted =
      static_cast<int>(std::min<int64_t>(limit, std::max<int64_t>(1, info.to_move - info.moved)));
  auto received = source->receive(ReceiveRequest{wanted, kMoveVisibilitySeconds});
  if (!received.is_ok()) {
    finish(task, MoveTaskStatus::kFailed, received.status().message());
    return 0;
  }
  if (received->empty()) {
    finish(task, MoveTaskStatus::kCompleted, "");
    return 0;
  }
  int64_t moved = 0;
  std::string failure;
  for (const ReceivedMessage& message : *received) {
    if (!failure.empty()) {
      // Not moved: visible in the source again at once.
      (void)source->change_visibility(message.receipt_handle, 0);
      continue;
    }
    std::shared_ptr<Queue> destination = fixed_destination;
    if (!destination) {
      const std::string origin = attribute(message.system_attributes, "DeadLetterQueueSourceArn");
      destination = origin.empty() ? nullptr : queues_.find_by_arn(origin);
      if (!destination) {
        failure = origin.empty() ? "A message has no DeadLetterQueueSourceArn to return it to."
                                 : "The original source queue " + origin + " does not exist.";
        (void)source->change_visibility(message.receipt_handle, 0);
        continue;
      }
    }
    Status status = destination->accept_moved(to_stored(message, destination->fifo(), clock_()));
    if (status.is_ok()) status = source->delete_message(message.receipt_handle);
    if (!status.is_ok()) {
      failure = status.message();
      (void)source->change_visibility(message.receipt_handle, 0);
      continue;
    }
    ++moved;
  }
  bool done = false;
  {
    std::lock_guard lock(mu_);
    task->info.moved += moved;
    done = task->info.moved >= task->info.to_move;
  }
  if (!failure.empty()) {
    finish(task, MoveTaskStatus::kFailed, failure);
  } else if (done) {
    finish(task, MoveTaskStatus::kCompleted, "");
  }
  return moved;
}

void MoveTasks::run() {
  while (true) {
    std::vector<std::shared_ptr<Task>> running;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] {
        if (stopping_) return true;
        for (const auto& [handle, task] : by_handle_) {
          if (task->info.status == MoveTaskStatus::kRunning) return true;
        }
        return false;
      });
      if (stopping_) return;
      for (const auto& [handle, task] : by_handle_) {
        if (task->info.status == MoveTaskStatus::kRunning) running.push_back(task);
      }
    }
    int64_t moved = 0;
    for (const auto& task : running) {
      int limit = kBatch;
      if (task->info.max_per_second) {  // set once at start: no lock needed to read it
        const int64_t now = clock_();
        const double rate = static_cast<double>(*task->info.max_per_second);
        task->tokens = std::min(
            std::max(rate, 1.0),
            task->tokens + rate * static_cast<double>(now - task->last_refill_ms) / 1000.0);
        task->last_refill_ms = now;
        limit = static_cast<int>(std::min<double>(kBatch, task->tokens));
        if (limit == 0) continue;
      }
      {
        std::lock_guard lock(mu_);
        if (task->info.status != MoveTaskStatus::kRunning) continue;  // cancelled meanwhile
        task->busy = true;
      }
      const int64_t count = move_batch(task, limit);
      {
        std::lock_guard lock(mu_);
        task->busy = false;
      }
      batch_done_.notify_all();
      task->tokens -= static_cast<double>(count);
      moved += count;
    }
    if (moved == 0) {
      std::unique_lock lock(mu_);
      wake_.wait_for(lock, kIdlePause, [&] { return stopping_; });
    }
  }
}

}  // namespace sluice::queues
