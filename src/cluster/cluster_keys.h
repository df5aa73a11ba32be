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

 private:
  std::string root_;
};

}  // namespace sluice::cluster
