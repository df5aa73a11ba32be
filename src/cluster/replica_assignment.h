// Where a new topic's partitions live: Kafka's replica placement, so that leaders and
// replicas spread evenly over the brokers and, when brokers name racks, every partition's
// replicas span as many racks as they can.
//
// Brokers are first put in rack-alternating order (a broker of rack A, then of B, then C,
// then A again...). Partition p's first replica, its preferred leader, is the broker at
// (start + p) in that order; the others follow it at a distance that grows by one every
// full round of brokers, so that two partitions with the same leader do not also share
// their followers. With racks, a follower whose rack already holds a replica of the
// partition is passed over while some rack holds none.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace sluice::cluster {

struct AssignableBroker {
  int32_t id = 0;
  std::string rack;  // empty: no rack
};

// REQUIRES nothing of `brokers`' order. InvalidArgument when replication_factor is below 1
// or above the number of brokers, or partitions below 1. `start` picks the first leader
// (callers pass a random number so that topics do not all start on the same broker).
Result<std::vector<std::vector<int32_t>>> assign_replicas(std::vector<AssignableBroker> brokers,
                                                          int32_t partitions,
                                                          int32_t replication_factor,
                                                          uint32_t start);

}  // namespace sluice::cluster
