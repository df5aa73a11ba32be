#include "topics/topic_manager.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "common/log.h"

namespace sluice::topics {
namespace {

constexpr const char* kTopicFile = "topic.json";
constexpr const char* kDeletingPrefix = ".deleting-";
constexpr int32_t kMaxPartitions = 100'000;

Status check_partition_count(int32_t partitions) {
  if (partitions < 1 || partitions > kMaxPartitions) {
    return Status::invalid_argument("partition count " + std::to_string(partitions) +
                                    " is outside [1, " + std::to_string(kMaxPartitions) + "]");
  }
  return Status::ok();
}

}  // namespace

Status validate_topic_name(const std::string& name) {
  if (name.empty() || name.size() > 249) {
    return Status::invalid_argument("topic name must be 1 to 249 characters");
  }
  if (name == "." || name == "..")
    return Status::invalid_argument("topic name cannot be '" + name + "'");
  for (char c : name) {
    const bool legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '_' || c == '-';
    if (!legal) {
      return Status::invalid_argument("topic name '" + name +
                                      "' may only contain ASCII letters, digits, '.', '_' and '-'");
    }
  }
  return Status::ok();
}

Result<std::unique_ptr<TopicManager>> TopicManager::open(const std::filesystem::path& dir,
                                                         const TopicDefaults& defaults,
                                                         FileSystem& fs) {
  SLUICE_RETURN_IF_ERROR(create_directories(fs, dir));
  std::unique_ptr<TopicManager> manager(new TopicManager(dir, defaults, fs));
  SLUICE_RETURN_IF_ERROR(manager->load());
  return manager;
}

TopicManager::~TopicManager() {
  close();
}

void TopicManager::close() {
  std::unique_lock lock(mu_);
  for (const auto& [name, topic] : topics_) retire(*topic);
}

storage::RecoveryTally TopicManager::recovery() const {
  std::shared_lock lock(mu_);
  storage::RecoveryTally tally;
  for (const auto& [name, topic] : topics_) {
    for (const auto& partition : topic->partitions) tally.add(partition->log().recovery());
  }
  return tally;
}

void TopicManager::retire(const Topic& topic) {
  for (const auto& partition : topic.partitions) {
    flusher_.remove(&partition->log());
    Status status = partition->log().close();
    if (!status.is_ok()) {
      log::get("topics")->error("closing partition failed topic={} partition={} error=\"{}\"",
                                topic.info.name, partition->index(), status.to_string());
    }
  }
}

Status TopicManager::load() {
  SLUICE_ASSIGN_OR_RETURN(auto entries, fs_.list(dir_));
  for (const auto& entry : entries) {
    const std::string& name = entry.name;
    if (!entry.is_directory) continue;
    SLUICE_ASSIGN_OR_RETURN(bool committed, fs_.exists(topic_dir(name) / kTopicFile));
    if (name.starts_with(kDeletingPrefix) || !committed) {
      // A deletion, or a creation that never reached its commit point.
      SLUICE_RETURN_IF_ERROR(fs_.remove_all(topic_dir(name)));
      continue;
    }
    SLUICE_RETURN_IF_ERROR(load_topic(name));
  }
  log::get("topics")->info("loaded topics dir={} count={}", dir_.string(), topics_.size());
  return Status::ok();
}

Status TopicManager::load_topic(const std::string& name) {
  SLUICE_ASSIGN_OR_RETURN(std::string text, read_small_file(fs_, topic_dir(name) / kTopicFile));
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.contains("partitions") ||
      !json["partitions"].is_number_integer()) {
    return Status::corruption(topic_dir(name).string() + "/" + kTopicFile + " is malformed");
  }
  auto topic = std::make_shared<Topic>();
  topic->info.name = name;
  topic->info.partitions = json["partitions"].get<int32_t>();
  if (json.contains("configs") && json["configs"].is_object()) {
    for (const auto& [key, value] : json["configs"].items()) {
      if (value.is_string()) topic->info.overrides[key] = value.get<std::string>();
    }
  }
  if (json.contains("id") && json["id"].is_string()) topic->info.id = json["id"].get<std::string>();
  SLUICE_RETURN_IF_ERROR(validate_topic_configs(topic->info.overrides));
  for (int32_t i = 0; i < topic->info.partitions; ++i) {
    SLUICE_ASSIGN_OR_RETURN(auto partition, open_partition(topic->info, i));
    topic->partitions.push_back(std::move(partition));
  }
  topics_.emplace(name, std::move(topic));
  return Status::ok();
}

Status TopicManager::persist(const TopicInfo& info) const {
  nlohmann::json json;
  json["partitions"] = info.partitions;
  json["configs"] = nlohmann::json::object();
  for (const auto& [key, value] : info.overrides) json["configs"][key] = value;
  if (!info.id.empty()) json["id"] = info.id;
  return write_file_atomically(fs_, topic_dir(info.name) / kTopicFile, json.dump(2) + "\n");
}

Result<std::shared_ptr<Partition>> TopicManager::open_partition(const TopicInfo& info,
                                                                int32_t index) {
  const auto config = effective_log_config(defaults_.log, info.overrides);
  SLUICE_ASSIGN_OR_RETURN(
      auto log, storage::PartitionLog::open(topic_dir(info.name) / std::to_string(index), config,
                                            storage::system_clock_ms, fs_));
  auto partition =
      std::make_shared<Partition>(info.name, index, std::move(log), defaults_.lead_new_partitions);
  // As a new Kafka leader does: its epoch starts at the log end, so OffsetForLeaderEpoch has
  // a true answer before the first append (a no-op when the cache already says so). In
  // cluster mode the partition does the same when its state makes it leader.
  if (defaults_.lead_new_partitions) {
    SLUICE_RETURN_IF_ERROR(partition->log().assign_epoch(partition->leader_epoch(),
                                                         partition->log().log_end_offset()));
  }
  flusher_.add(&partition->log());
  return partition;
}

Status TopicManager::validate_create(const std::string& name, int32_t partitions,
                                     const ConfigMap& configs) const {
  SLUICE_RETURN_IF_ERROR(validate_topic_name(name));
  SLUICE_RETURN_IF_ERROR(check_partition_count(partitions));
  SLUICE_RETURN_IF_ERROR(validate_topic_configs(configs));
  std::shared_lock lock(mu_);
  if (topics_.contains(name)) return Status::already_exists("topic '" + name + "' already exists");
  return Status::ok();
}

Status TopicManager::create_topic(const std::string& name, int32_t partitions,
                                  const ConfigMap& configs, const std::string& id) {
  SLUICE_RETURN_IF_ERROR(validate_create(name, partitions, configs));
  std::unique_lock lock(mu_);
  if (topics_.contains(name)) return Status::already_exists("topic '" + name + "' already exists");
  auto topic = std::make_shared<Topic>();
  topic->info = TopicInfo{name, partitions, configs, id};
  for (int32_t i = 0; i < partitions; ++i) {
    SLUICE_ASSIGN_OR_RETURN(auto partition, open_partition(topic->info, i));
    topic->partitions.push_back(std::move(partition));
  }
  SLUICE_RETURN_IF_ERROR(persist(topic->info));  // the commit point
  topics_.emplace(name, std::move(topic));
  log::get("topics")->info("created topic name={} partitions={}", name, partitions);
  return Status::ok();
}

Status TopicManager::delete_topic(const std::string& name) {
  std::shared_ptr<Topic> topic;
  {
    std::unique_lock lock(mu_);
    auto it = topics_.find(name);
    if (it == topics_.end()) return Status::not_found("topic '" + name + "' does not exist");
    topic = it->second;
    topics_.erase(it);
    retire(*topic);
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    const auto doomed = dir_ / (kDeletingPrefix + name + "-" + std::to_string(stamp));
    SLUICE_RETURN_IF_ERROR(fs_.rename(topic_dir(name), doomed));
    SLUICE_RETURN_IF_ERROR(fs_.sync_directory(dir_));  // the commit point
    // Left behind on failure: open() removes .deleting- directories.
    Status removed = fs_.remove_all(doomed);
    if (!removed.is_ok()) {
      log::get("topics")->warn("removing deleted topic failed dir={} error=\"{}\"", doomed.string(),
                               removed.to_string());
    }
  }
  log::get("topics")->info("deleted topic name={}", name);
  return Status::ok();
}

Status TopicManager::add_partitions(const std::string& name, int32_t total) {
  std::unique_lock lock(mu_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return Status::not_found("topic '" + name + "' does not exist");
  Topic& topic = *it->second;
  if (total <= topic.info.partitions) {
    return Status::invalid_argument("topic '" + name + "' has " +
                                    std::to_string(topic.info.partitions) +
                                    " partitions; the new count must be larger");
  }
  SLUICE_RETURN_IF_ERROR(check_partition_count(total));
  TopicInfo grown = topic.info;
  grown.partitions = total;
  std::vector<std::shared_ptr<Partition>> added;
  for (int32_t i = topic.info.partitions; i < total; ++i) {
    SLUICE_ASSIGN_OR_RETURN(auto partition, open_partition(grown, i));
    added.push_back(std::move(partition));
  }
  SLUICE_RETURN_IF_ERROR(persist(grown));
  // Readers copy the topic's shared_ptr, so publish a new Topic rather than mutate.
  auto replacement = std::make_shared<Topic>(topic);
  replacement->info = grown;
  for (auto& partition : added) replacement->partitions.push_back(std::move(partition));
  it->second = std::move(replacement);
  return Status::ok();
}

Status TopicManager::set_configs(const std::string& name, const ConfigMap& overrides) {
  return update_configs(name, [&overrides](ConfigMap* configs) {
    *configs = overrides;
    return Status::ok();
  });
}

Status TopicManager::update_configs(const std::string& name,
                                    const std::function<Status(ConfigMap*)>& edit,
                                    bool validate_only) {
  std::unique_lock lock(mu_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return Status::not_found("topic '" + name + "' does not exist");
  TopicInfo changed = it->second->info;
  SLUICE_RETURN_IF_ERROR(edit(&changed.overrides));
  SLUICE_RETURN_IF_ERROR(validate_topic_configs(changed.overrides));
  if (validate_only) return Status::ok();
  const ConfigMap& overrides = changed.overrides;
  SLUICE_RETURN_IF_ERROR(persist(changed));
  auto replacement = std::make_shared<Topic>(*it->second);
  replacement->info = changed;
  const auto config = effective_log_config(defaults_.log, overrides);
  for (const auto& partition : replacement->partitions) partition->log().set_config(config);
  it->second = std::move(replacement);
  return Status::ok();
}

std::shared_ptr<Partition> TopicManager::partition(const std::string& topic, int32_t index) const {
  std::shared_lock lock(mu_);
  auto it = topics_.find(topic);
  if (it == topics_.end() || index < 0 || index >= it->second->info.partitions) return nullptr;
  return it->second->partitions[static_cast<size_t>(index)];
}

std::optional<TopicInfo> TopicManager::topic(const std::string& name) const {
  std::shared_lock lock(mu_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return std::nullopt;
  return it->second->info;
}

std::vector<TopicInfo> TopicManager::topics() const {
  std::shared_lock lock(mu_);
  std::vector<TopicInfo> all;
  for (const auto& [name, topic] : topics_) all.push_back(topic->info);
  return all;
}

Result<int> TopicManager::enforce_retention() {
  std::vector<std::shared_ptr<Topic>> snapshot;
  {
    std::shared_lock lock(mu_);
    for (const auto& [name, topic] : topics_) snapshot.push_back(topic);
  }
  int removed = 0;
  for (const auto& topic : snapshot) {
    for (const auto& partition : topic->partitions) {
      auto result = partition->log().enforce_retention();
      if (result.is_ok()) {
        removed += *result;
      } else {
        // One offline partition must not stop retention on the others.
        log::get("topics")->warn("retention failed topic={} partition={} error=\"{}\"",
                                 topic->info.name, partition->index(), result.status().to_string());
      }
    }
  }
  return removed;
}

}  // namespace sluice::topics
