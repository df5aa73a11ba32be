#include "cluster/replica_assignment.h"

#include <algorithm>
#include <map>
#include <set>

namespace sluice::cluster {

namespace {

// A1 B1 C1 A2 B2 C2 ... for racks A, B, C: neighbours in this order are on different racks.
std::vector<AssignableBroker> rack_alternated(std::vector<AssignableBroker> brokers) {
  std::sort(brokers.begin(), brokers.end(),
            [](const AssignableBroker& a, const AssignableBroker& b) { return a.id < b.id; });
  std::map<std::string, std::vector<AssignableBroker>> by_rack;
  for (const auto& broker : brokers) by_rack[broker.rack].push_back(broker);
  std::vector<AssignableBroker> ordered;
  for (size_t round = 0; ordered.size() < brokers.size(); ++round) {
    for (const auto& [rack, members] : by_rack) {
      if (round < members.size()) ordered.push_back(members[round]);
    }
  }
  return ordered;
}

}  // namespace

Result<std::vector<std::vector<int32_t>>> assign_replicas(std::vector<AssignableBroker> brokers,
                                                          int32_t partitions,
                                                          int32_t replication_factor,
                                                          uint32_t start) {
  const auto n = static_cast<int32_t>(brokers.size());
  if (partitions < 1) return Status::invalid_argument("partitions must be at least 1");
  if (replication_factor < 1) {
    return Status::invalid_argument("replication factor must be at least 1");
  }
  if (replication_factor > n) {
    return Status::invalid_argument("replication factor " + std::to_string(replication_factor) +
                                    " is larger than the " + std::to_string(n) +
                                    " available brokers");
  }
  const auto ordered = rack_alternated(std::move(brokers));
  std::set<std::string> racks;
  for (const auto& broker : ordered) racks.insert(broker.rack);
  const bool rack_aware = racks.size() > 1;

  std::vector<std::vector<int32_t>> assignment;
  const int32_t first = static_cast<int32_t>(start % static_cast<uint32_t>(n));
  int32_t shift = n > 1 ? static_cast<int32_t>(start % static_cast<uint32_t>(n - 1)) : 0;
  for (int32_t p = 0; p < partitions; ++p) {
    if (p > 0 && (first + p) % n == first) ++shift;  // a new round: spread followers anew
    const int32_t leader = (first + p) % n;
    std::vector<int32_t> replicas{ordered[leader].id};
    std::set<std::string> used_racks{ordered[leader].rack};
    std::set<int32_t> used{ordered[leader].id};
    // Candidates in follower order for this partition: leader + 1 + shift, then onwards.
    for (int32_t k = 0; k < n - 1 && static_cast<int32_t>(replicas.size()) < replication_factor;
         ++k) {
      const int32_t step = n > 1 ? 1 + (shift + k) % (n - 1) : 0;
      const auto& candidate = ordered[(leader + step) % n];
      if (used.count(candidate.id)) continue;
      if (rack_aware && used_racks.size() < racks.size() && used_racks.count(candidate.rack)) {
        continue;
      }
      replicas.push_back(candidate.id);
      used.insert(candidate.id);
      used_racks.insert(candidate.rack);
    }
    // Racks passed over above: fill with whoever is left, in the same order.
    for (int32_t k = 0; k < n - 1 && static_cast<int32_t>(replicas.size()) < replication_factor;
         ++k) {
      const int32_t step = n > 1 ? 1 + (shift + k) % (n - 1) : 0;
      const auto& candidate = ordered[(leader + step) % n];
      if (used.insert(candidate.id).second) replicas.push_back(candidate.id);
    }
    assignment.push_back(std::move(replicas));
  }
  return assignment;
}

}  // namespace sluice::cluster
