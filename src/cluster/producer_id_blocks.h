// Producer-id blocks from the metadata store: one counter for the whole cluster, advanced by
// compare-and-swap, so that two brokers never hand out the same producer id (an idempotent
// producer's sequence state is keyed by it on every partition it writes to).
#pragma once

#include <cstdint>

#include "cluster/cluster_keys.h"
#include "cluster/metadata_store.h"
#include "common/status.h"

namespace sluice::cluster {

// Reserves `size` ids; returns the first. An unreachable store is kUnavailable (the caller
// answers a retriable error); a write whose outcome is unknown wastes a block, never
// repeats one.
Result<int64_t> reserve_producer_ids(MetadataStore& store, const ClusterKeys& keys, int64_t size);

}  // namespace sluice::cluster
