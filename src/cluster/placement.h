// Where topics and their partitions live, and who serves them: what Metadata,
// FindCoordinator and the topic admin requests answer from. One interface, two
// implementations, as for the metadata store:
//
//   LocalPlacement    the embedded single node: one broker, every partition's only replica
//                     and leader, topics in the local TopicManager.
//   ClusterPlacement  cluster mode: brokers, topics and partition states from the metadata
//                     store (cluster_view.h); creating a topic writes its record there.
//
// Whether this broker may serve a partition's reads and writes is the Partition's own
// business (topics/partition.h: leader or not, and in which epoch); this answers for clients
// where to go.
//
// Threading: the queries are cheap and may run on a network thread; create, delete and grow
// block (a store round trip or an fsync) and run on the blocking pool.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice::cluster {

struct BrokerEndpoint {
  int32_t id = 0;
  std::string host;
  int32_t port = 0;
  std::string rack;  // empty: none
};

struct PartitionPlacement {
  int32_t index = 0;
  int32_t leader = -1;  // -1: no leader now (offline, or not elected yet)
  int32_t leader_epoch = 0;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
  std::vector<int32_t> offline;  // replicas whose broker is not alive
};

struct TopicPlacement {
  std::string name;
  std::vector<PartitionPlacement> partitions;
};

// A topic to create. Either `partitions` and `replication_factor` (-1: the default), or an
// explicit `assignment` (the replicas of each partition, preferred leader first).
struct NewTopic {
  std::string name;
  int32_t partitions = -1;
  int32_t replication_factor = -1;
  std::vector<std::vector<int32_t>> assignment;
  std::map<std::string, std::string> configs;
};

// The placement service's own outcomes, mapped to Kafka codes at the front end.
enum class PlacementErrc {
  kOk,
  kTopicExists,
  kUnknownTopic,
  kInvalidPartitions,
  kInvalidReplicationFactor,
  kInvalidReplicaAssignment,
  kStorageError,  // the local disk failed the write
  kUnavailable,   // the metadata store could not be reached or did not answer: retry
};

struct PlacementStatus {
  PlacementErrc code = PlacementErrc::kOk;
  std::string message;
  bool is_ok() const { return code == PlacementErrc::kOk; }
  static PlacementStatus ok() { return {}; }
};

class Placement {
 public:
  virtual ~Placement() = default;

  virtual int32_t self() const = 0;
  virtual std::string cluster_id() const = 0;
  // The broker clients send controller-bound requests to; -1 when there is none now.
  virtual int32_t controller() const = 0;
  // Every live broker, by id.
  virtual std::vector<BrokerEndpoint> brokers() const = 0;
  virtual std::vector<std::string> topic_names() const = 0;
  virtual std::optional<TopicPlacement> topic(const std::string& name) const = 0;
  // The broker coordinating `group` (consumer group state and committed offsets); nullopt
  // when none is available now.
  virtual std::optional<BrokerEndpoint> group_coordinator(const std::string& group) const = 0;

  // Blocking. `validate_only`: check everything creation would, create nothing.
  virtual PlacementStatus create_topic(const NewTopic& topic, bool validate_only) = 0;
  virtual PlacementStatus delete_topic(const std::string& name) = 0;
  // Grows the topic to `total` partitions, placing the new ones (or as `assignment` says).
  virtual PlacementStatus add_partitions(const std::string& name, int32_t total,
                                         const std::vector<std::vector<int32_t>>& assignment,
                                         bool validate_only) = 0;
};

}  // namespace sluice::cluster
