#include "queues/queue_manager.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/log.h"
#include "queues/receipt_handle.h"
#include "sqs/protocol/errors.h"
#include "sqs/protocol/validation.h"

namespace sluice::queues {
namespace {

using sqs::protocol::ErrorCode;
using sqs::protocol::make_error;

}  // namespace

Result<std::unique_ptr<QueueManager>> QueueManager::open(const std::filesystem::path& dir,
                                                         QueueManagerOptions options) {
  FileSystem& fs = *options.fs;
  SLUICE_RETURN_IF_ERROR(create_directories(fs, dir));
  std::unique_ptr<QueueManager> manager(new QueueManager(dir, std::move(options)));
  SLUICE_ASSIGN_OR_RETURN(auto entries, fs.list(dir));
  for (const auto& item : entries) {
    // A directory without queue.json is a create that crashed before its metadata was
    // durable: the queue was never acknowledged.
    if (!item.is_directory) continue;
    SLUICE_ASSIGN_OR_RETURN(bool committed, fs.exists(dir / item.name / "queue.json"));
    if (!committed) continue;
    SLUICE_ASSIGN_OR_RETURN(auto queue,
                            Queue::open(dir / item.name, manager->context_for(item.name)));
    manager->queues_.emplace(item.name, std::move(queue));
  }
  if (manager->options_.maintenance_interval_ms > 0) {
    manager->maintenance_ = std::thread([m = manager.get()] { m->run_maintenance(); });
  }
  return manager;
}

void QueueManager::run_maintenance() {
  const auto interval = std::chrono::milliseconds(options_.maintenance_interval_ms);
  std::unique_lock lock(maintenance_mu_);
  while (!maintenance_cv_.wait_for(lock, interval, [this] { return stopping_; })) {
    lock.unlock();
    Status status = maintain();
    if (!status.is_ok()) {
      log::get("queues")->error("queue maintenance failed error=\"{}\"", status.to_string());
    }
    lock.lock();
  }
}

void QueueManager::stop_maintenance() {
  {
    std::lock_guard lock(maintenance_mu_);
    stopping_ = true;
  }
  maintenance_cv_.notify_all();
  if (maintenance_.joinable()) maintenance_.join();
}

Status QueueManager::maintain() {
  std::vector<std::shared_ptr<Queue>> queues;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, queue] : queues_) queues.push_back(queue);
  }
  Status result;
  for (const auto& queue : queues) {
    Status status = queue->maintain();
    if (!status.is_ok()) result = status;
  }
  return result;
}

QueueManager::~QueueManager() {
  Status status = close();
  if (!status.is_ok()) {
    log::get("queues")->error("closing queues failed error=\"{}\"", status.to_string());
  }
}

std::string QueueManager::arn(const std::string& name) const {
  return "arn:aws:sqs:" + options_.region + ":" + options_.account_id + ":" + name;
}

std::shared_ptr<Queue> QueueManager::find_by_arn(const std::string& arn) const {
  const std::string prefix = this->arn("");
  if (!arn.starts_with(prefix)) return nullptr;
  std::lock_guard lock(mu_);
  auto it = queues_.find(arn.substr(prefix.size()));
  return it == queues_.end() ? nullptr : it->second;
}

QueueContext QueueManager::context_for(const std::string& name) {
  return QueueContext{name,
                      arn(name),
                      options_.clock,
                      options_.log_config,
                      [this](const std::string& target) { return find_by_arn(target); },
                      options_.queue_storage,
                      options_.fs};
}

Status QueueManager::check_redrive_target(const StringMap& attributes, bool fifo) const {
  auto it = attributes.find("RedrivePolicy");
  if (it == attributes.end() || it->second.empty()) return Status::ok();
  const auto policy = QueueAttributes(StringMap{{"RedrivePolicy", it->second}}).redrive_policy();
  std::shared_ptr<Queue> target = policy ? find_by_arn(policy->dead_letter_target_arn) : nullptr;
  if (!target) {
    return make_error(ErrorCode::kInvalidParameterValue,
                      "the dead-letter target of RedrivePolicy does not exist");
  }
  if (target->fifo() != fifo) {
    return make_error(ErrorCode::kInvalidParameterValue,
                      "a dead-letter queue must be of the same type as its source queue");
  }
  return Status::ok();
}

Result<std::shared_ptr<Queue>> QueueManager::create_queue(const std::string& name,
                                                          const StringMap& attributes,
                                                          const StringMap& tags) {
  auto fifo_it = attributes.find("FifoQueue");
  const bool fifo = fifo_it != attributes.end() && fifo_it->second == "true";
  SLUICE_RETURN_IF_ERROR(sqs::protocol::validate_queue_name(name, fifo));
  SLUICE_RETURN_IF_ERROR(sqs::protocol::validate_queue_attributes(attributes, fifo));
  SLUICE_RETURN_IF_ERROR(check_redrive_target(attributes, fifo));
  const int64_t now = options_.clock();
  std::lock_guard lock(mu_);
  if (auto it = queues_.find(name); it != queues_.end()) {
    const QueueAttributes existing = it->second->attributes();
    for (const auto& [key, value] : attributes) {
      if (existing.value(key) != value) {
        return make_error(ErrorCode::kQueueNameExists,
                          "a queue already exists with the same name and a different value for "
                          "attribute " +
                              key);
      }
    }
    return it->second;
  }
  if (auto it = deleted_at_ms_.find(name);
      it != deleted_at_ms_.end() && now - it->second < kQueueRecreateDelayMs) {
    return make_error(ErrorCode::kQueueDeletedRecently,
                      "you must wait 60 seconds after deleting a queue before you can create "
                      "another with the same name");
  }
  QueueMetadata metadata;
  metadata.attributes = QueueAttributes(attributes);
  metadata.tags = tags;
  metadata.created_s = now / 1000;
  metadata.last_modified_s = now / 1000;
  SLUICE_ASSIGN_OR_RETURN(metadata.secret, new_queue_secret());
  SLUICE_ASSIGN_OR_RETURN(auto queue,
                          Queue::create(dir_ / name, context_for(name), std::move(metadata)));
  queues_.emplace(name, queue);
  return queue;
}

Result<std::shared_ptr<Queue>> QueueManager::get_queue(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = queues_.find(name);
  if (it == queues_.end()) return sqs::protocol::queue_does_not_exist();
  return it->second;
}

Status QueueManager::delete_queue(const std::string& name) {
  std::shared_ptr<Queue> queue;
  {
    std::lock_guard lock(mu_);
    auto it = queues_.find(name);
    if (it == queues_.end()) return sqs::protocol::queue_does_not_exist();
    queue = std::move(it->second);
    queues_.erase(it);
    deleted_at_ms_[name] = options_.clock();
  }
  SLUICE_RETURN_IF_ERROR(queue->close());
  FileSystem& fs = *options_.fs;
  // queue.json goes first, durably: a crash mid-removal then leaves a directory open() skips.
  SLUICE_RETURN_IF_ERROR(fs.remove(queue->dir() / "queue.json"));
  SLUICE_RETURN_IF_ERROR(fs.sync_directory(queue->dir()));
  SLUICE_RETURN_IF_ERROR(fs.remove_all(queue->dir()));
  return fs.sync_directory(dir_);
}

Result<QueueList> QueueManager::list_queues(const std::string& prefix,
                                            std::optional<int64_t> max_results,
                                            const std::optional<std::string>& next_token) const {
  if (max_results) {
    SLUICE_RETURN_IF_ERROR(
        sqs::protocol::validate_range("MaxResults", *max_results, 1, kMaxListedQueues));
  }
  std::string after;
  if (next_token) {
    auto decoded = base64_decode(*next_token);
    if (!decoded) return make_error(ErrorCode::kInvalidParameterValue, "invalid NextToken");
    after = std::move(*decoded);
  }
  const int64_t limit = max_results.value_or(kMaxListedQueues);
  QueueList list;
  std::lock_guard lock(mu_);
  for (auto it = after.empty() ? queues_.begin() : queues_.upper_bound(after); it != queues_.end();
       ++it) {
    if (!it->first.starts_with(prefix)) continue;
    if (static_cast<int64_t>(list.names.size()) == limit) {
      if (max_results) list.next_token = base64_encode(list.names.back());
      break;
    }
    list.names.push_back(it->first);
  }
  return list;
}

Status QueueManager::set_queue_attributes(const std::string& name, const StringMap& attributes) {
  SLUICE_ASSIGN_OR_RETURN(auto queue, get_queue(name));
  SLUICE_RETURN_IF_ERROR(check_redrive_target(attributes, queue->fifo()));
  return queue->set_attributes(attributes);
}

Result<std::vector<std::string>> QueueManager::dead_letter_source_queues(
    const std::string& name) const {
  SLUICE_ASSIGN_OR_RETURN(auto target, get_queue(name));
  std::vector<std::shared_ptr<Queue>> queues;
  {
    std::lock_guard lock(mu_);
    for (const auto& [queue_name, queue] : queues_) queues.push_back(queue);
  }
  std::vector<std::string> sources;
  for (const auto& queue : queues) {
    const auto policy = queue->attributes().redrive_policy();
    if (policy && policy->dead_letter_target_arn == target->arn()) sources.push_back(queue->name());
  }
  return sources;
}

std::vector<std::shared_ptr<Queue>> QueueManager::all_queues() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<Queue>> result;
  result.reserve(queues_.size());
  for (const auto& [name, queue] : queues_) result.push_back(queue);
  return result;
}

storage::RecoveryTally QueueManager::recovery() const {
  storage::RecoveryTally tally;
  for (const auto& queue : all_queues()) queue->tally_recovery(&tally);
  return tally;
}

Status QueueManager::close() {
  stop_maintenance();
  std::map<std::string, std::shared_ptr<Queue>> queues;
  {
    std::lock_guard lock(mu_);
    queues.swap(queues_);
  }
  Status result;
  for (auto& [name, queue] : queues) {
    Status closed = queue->close();
    if (!closed.is_ok()) result = closed;
  }
  return result;
}

}  // namespace sluice::queues
