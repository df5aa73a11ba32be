#include "queues/queue_metadata.h"

#include <nlohmann/json.hpp>

#include "common/base64.h"

namespace sluice::queues {

Status write_queue_metadata(FileSystem& fs, const std::filesystem::path& file,
                            const QueueMetadata& metadata) {
  nlohmann::json json;
  json["attributes"] = metadata.attributes.set_values();
  json["tags"] = metadata.tags;
  json["created_s"] = metadata.created_s;
  json["last_modified_s"] = metadata.last_modified_s;
  json["secret"] = base64_encode(metadata.secret);
  return write_file_atomically(fs, file, json.dump(2));
}

Result<QueueMetadata> read_queue_metadata(FileSystem& fs, const std::filesystem::path& file) {
  SLUICE_ASSIGN_OR_RETURN(std::string text, read_small_file(fs, file));
  const auto json = nlohmann::json::parse(text, nullptr, false);
  const auto bad = [&] {
    return Status::corruption(file.string() + " is not valid queue metadata");
  };
  if (!json.is_object()) return bad();
  try {
    QueueMetadata metadata;
    metadata.attributes = QueueAttributes(json.at("attributes").get<StringMap>());
    metadata.tags = json.at("tags").get<StringMap>();
    metadata.created_s = json.at("created_s").get<int64_t>();
    metadata.last_modified_s = json.at("last_modified_s").get<int64_t>();
    auto secret = base64_decode(json.at("secret").get<std::string>());
    if (!secret) return bad();
    metadata.secret = std::move(*secret);
    return metadata;
  } catch (const nlohmann::json::exception&) {
    // nlohmann reports a missing or mistyped member by throwing; it stops here.
    return bad();
  }
}

}  // namespace sluice::queues
