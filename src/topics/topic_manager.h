// The topics service: named topics of N partitions, each partition a log under
// `<dir>/<topic>/<partition>/`, with the topic's partition count and config overrides in
// `<dir>/<topic>/topic.json`. Plain C++ over storage; no protocol knowledge.
//
// Durability: a topic exists once its topic.json is durably written (the commit point of
// creation); a deletion is durable once its directory is renamed away. Directories left
// half-way by a crash are cleaned on open.
//
// Thread-safe: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/file_system.h"
#include "common/status.h"
#include "storage/log_flusher.h"
#include "storage/partition_log.h"
#include "topics/partition.h"
#include "topics/topic_config.h"

namespace sluice::topics {

struct TopicDefaults {
  storage::LogConfig log;
  int32_t partitions = 1;
  // Whether a partition, once opened, leads (serves clients) before anyone says otherwise:
  // on a single node it does; in cluster mode only once its state names this broker.
  bool lead_new_partitions = true;
};

struct TopicInfo {
  std::string name;
  int32_t partitions = 0;
  ConfigMap overrides;
  // Cluster mode: the id of the cluster's topic these logs belong to, so that a topic deleted
  // and created again under the same name is never served from the old one's logs. Empty on
  // a single node.
  std::string id;
};

// Kafka's rule: 1-249 characters of [a-zA-Z0-9._-], and not "." or "..".
Status validate_topic_name(const std::string& name);

class TopicManager {
 public:
  static Result<std::unique_ptr<TopicManager>> open(const std::filesystem::path& dir,
                                                    const TopicDefaults& defaults,
                                                    FileSystem& fs = FileSystem::posix());
  ~TopicManager();
  TopicManager(const TopicManager&) = delete;
  TopicManager& operator=(const TopicManager&) = delete;

  // Checks what create_topic would check, without creating anything.
  Status validate_create(const std::string& name, int32_t partitions,
                         const ConfigMap& configs) const;
  // AlreadyExists, or InvalidArgument naming the bad name, count or config.
  Status create_topic(const std::string& name, int32_t partitions, const ConfigMap& configs,
                      const std::string& id = {});
  // NotFound when there is no such topic.
  Status delete_topic(const std::string& name);
  // Grows the topic to `total` partitions; InvalidArgument unless total > current.
  Status add_partitions(const std::string& name, int32_t total);
  // Replaces the topic's config overrides.
  Status set_configs(const std::string& name, const ConfigMap& overrides);
  // Applies `edit` to a copy of the topic's overrides, validates the result and, unless
  // `validate_only`, makes it the topic's overrides (durably). One update at a time, so
  // concurrent incremental changes do not lose each other. NotFound for an unknown topic;
  // `edit`'s error, or InvalidArgument naming the bad config, leaves the topic unchanged.
  Status update_configs(const std::string& name, const std::function<Status(ConfigMap*)>& edit,
                        bool validate_only = false);

  // nullptr when the topic or partition does not exist.
  std::shared_ptr<Partition> partition(const std::string& topic, int32_t index) const;
  std::optional<TopicInfo> topic(const std::string& name) const;
  std::vector<TopicInfo> topics() const;
  const TopicDefaults& defaults() const { return defaults_; }

  // Applies retention to every partition; returns how many segments were removed.
  Result<int> enforce_retention();

  // What opening every partition's log found.
  storage::RecoveryTally recovery() const;
  // Closes every partition's log cleanly (the destructor does too); later appends fail.
  void close();

 private:
  struct Topic {
    TopicInfo info;
    std::vector<std::shared_ptr<Partition>> partitions;
  };

  TopicManager(std::filesystem::path dir, const TopicDefaults& defaults, FileSystem& fs)
      : dir_(std::move(dir)), defaults_(defaults), fs_(fs) {}

  Status load();
  Status load_topic(const std::string& name);
  Status persist(const TopicInfo& info) const;
  Result<std::shared_ptr<Partition>> open_partition(const TopicInfo& info, int32_t index);
  void retire(const Topic& topic);
  std::filesystem::path topic_dir(const std::string& name) const { return dir_ / name; }

  const std::filesystem::path dir_;
  const TopicDefaults defaults_;
  FileSystem& fs_;
  storage::LogFlusher flusher_;

  mutable std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<Topic>> topics_;  // GUARDED_BY(mu_)
};

}  // namespace sluice::topics
