#include "server/data_dir_identity.h"

#include <nlohmann/json.hpp>

namespace sluice::server {

namespace {
constexpr const char* kIdentityFile = "cluster.json";
}  // namespace

Status claim_data_dir(FileSystem& fs, const std::filesystem::path& data_dir,
                      const DataDirIdentity& identity) {
  const auto file = data_dir / kIdentityFile;
  SLUICE_ASSIGN_OR_RETURN(const bool claimed, fs.exists(file));
  if (claimed) {
    SLUICE_ASSIGN_OR_RETURN(const std::string text, read_small_file(fs, file));
    const auto json = nlohmann::json::parse(text, nullptr, false);
    if (!json.is_object() || !json.contains("cluster") || !json["cluster"].is_string() ||
        !json.contains("node_id") || !json["node_id"].is_number_integer()) {
      return Status::corruption(file.string() + " does not say which broker this is");
    }
    const auto cluster = json["cluster"].get<std::string>();
    const auto node_id = json["node_id"].get<int32_t>();
    if (identity.cluster.empty()) {
      return Status::failed_precondition(data_dir.string() + " belongs to node " +
                                         std::to_string(node_id) + " of cluster '" + cluster +
                                         "': start it with --etcd, --cluster " + cluster +
                                         " and --node-id " + std::to_string(node_id));
    }
    if (cluster != identity.cluster || node_id != identity.node_id) {
      return Status::failed_precondition(data_dir.string() + " belongs to node " +
                                         std::to_string(node_id) + " of cluster '" + cluster +
                                         "', not node " + std::to_string(identity.node_id) +
                                         " of '" + identity.cluster + "'");
    }
    return Status::ok();
  }
  if (identity.cluster.empty()) return Status::ok();
  SLUICE_ASSIGN_OR_RETURN(const bool has_topics, fs.exists(data_dir / "topics"));
  if (has_topics) {
    SLUICE_ASSIGN_OR_RETURN(const auto entries, fs.list(data_dir / "topics"));
    bool any = false;
    for (const auto& entry : entries) {
      SLUICE_ASSIGN_OR_RETURN(const bool topic,
                              fs.exists(data_dir / "topics" / entry.name / "topic.json"));
      any = any || (entry.is_directory && topic);
    }
    if (any) {
      return Status::failed_precondition(
          data_dir.string() +
          " holds a single node's topics; a cluster broker needs a data "
          "directory of its own");
    }
  }
  SLUICE_RETURN_IF_ERROR(create_directories(fs, data_dir));
  const nlohmann::json json = {{"cluster", identity.cluster}, {"node_id", identity.node_id}};
  return write_file_atomically(fs, std::filesystem::absolute(file), json.dump() + "\n");
}

}  // namespace sluice::server
