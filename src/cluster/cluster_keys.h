// Where cluster mode keeps its state in the metadata store: everything of one cluster under
// /sluice/<cluster>/, so that several clusters (or test runs) can share one etcd.
#pragma once

#include <cstdint>
#include <string>

namespace sluice::cluster {

class ClusterKeys {
 public:
  explicit ClusterKeys(std::string cluster) : root_("/sluice/" + std::move(cluster) + "/") {}

  const std::string& root() const { return root_; }
  // A live broker's registration, bound to its lease: gone when the broker is.
  std::string brokers_prefix() const { return root_ + "brokers/"; }
  std::string broker(int32_t id) const { return brokers_prefix() + std::to_string(id); }
  // The elected controller, bound to its lease. Its create revision is the controller epoch.
  std::string controller() const { return root_ + "controller"; }
  // The first producer id no broker has reserved yet (blocks are taken with compare-and-swap).
  std::string producer_ids() const { return root_ + "producer_ids"; }
  // The cluster id Metadata reports, created once by the first broker to start.
  std::string cluster_id() const { return root_ + "cluster_id"; }
  // A topic's record (partition count, replica assignment, config overrides): written once
  // by whichever broker creates it (create-if-absent), then by the controller.
  std::string topics_prefix() const { return root_ + "topics/"; }
  std::string topic(const std::string& name) const { return topics_prefix() + name; }
  // A partition's state (leader, leader epoch, ISR), written only by the controller, each
  // write a compare-and-swap on the key's mod revision under the controller fence.
  std::string partitions_prefix() const { return root_ + "partitions/"; }
  std::string partition(const std::string& topic, int32_t index) const {
    return partitions_prefix() + topic + "/" + std::to_string(index);
  }
  // A partition leader's request to change its ISR (IsrChange), which the controller
  // applies to the partition's state (or refuses) and then deletes: Kafka's AlterPartition.
  std::string isr_changes_prefix() const { return root_ + "isr_changes/"; }
  std::string isr_change(const std::string& topic, int32_t index) const {
    return isr_changes_prefix() + topic + "/" + std::to_string(index);
  }

 private:
  std::string root_;
};

}  // namespace sluice::cluster
