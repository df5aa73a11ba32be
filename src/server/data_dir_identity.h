// Which broker a data directory belongs to. In cluster mode the metadata store is the truth
// about topics, and a broker drops local topics the cluster does not have: started on a
// single node's directory, or with another node id, it would drop or serve the wrong data.
// So a cluster broker writes `<data>/cluster.json` ({"cluster", "node_id"}) on its first
// start and refuses to start on a directory that names another cluster or node, or that
// holds a single node's topics; a single node refuses a cluster broker's directory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "common/file_system.h"
#include "common/status.h"

namespace sluice::server {

struct DataDirIdentity {
  std::string cluster;  // empty: the embedded single node
  int32_t node_id = 0;
};

// FailedPrecondition naming the mismatch; writes the identity on a cluster's first start.
Status claim_data_dir(FileSystem& fs, const std::filesystem::path& data_dir,
                      const DataDirIdentity& identity);

}  // namespace sluice::server
