#include "cluster/producer_id_blocks.h"

#include <charconv>
#include <string>

namespace sluice::cluster {

Result<int64_t> reserve_producer_ids(MetadataStore& store, const ClusterKeys& keys, int64_t size) {
  const std::string key = keys.producer_ids();
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto current = store.get(key);
    if (!current.is_ok()) {
      return Status::unavailable("producer ids: " + current.status().message());
    }
    int64_t start = 0;
    Revision revision = 0;
    if (current->has_value()) {
      const std::string& text = (*current)->value;
      auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), start);
      if (error != std::errc() || end != text.data() + text.size() || start < 0) {
        return Status::corruption(key + " does not hold a producer id: '" + text + "'");
      }
      revision = (*current)->mod_revision;
    }
    auto written = store.put_if(key, std::to_string(start + size), revision);
    if (written.is_ok()) return start;
    if (written.code() != StoreErrc::kConflict) {
      return Status::unavailable("producer ids: " + written.status().message());
    }
    // Another broker took a block first: read again.
  }
  return Status::unavailable("producer ids: too many brokers reserving at once");
}

}  // namespace sluice::cluster
