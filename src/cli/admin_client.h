// The CLI's view of a broker's admin HTTP API (/v1/status, /v1/topics, ...): JSON documents
// for what the Kafka and SQS protocols do not say, such as log sizes on disk and uptime.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/http_client.h"

namespace sluice::cli {

class AdminClient {
 public:
  explicit AdminClient(std::string admin_url);

  // GET `path` as JSON. CliError when the API cannot be reached or does not answer 200.
  nlohmann::json get(const std::string& path);
  // The same, but nullopt (with why in *reason) instead of an error: for commands whose
  // main answer comes from another protocol and for which the admin API only adds detail.
  std::optional<nlohmann::json> try_get(const std::string& path, std::string* reason);

  const std::string& endpoint() const { return http_.endpoint(); }

 private:
  HttpClient http_;
};

}  // namespace sluice::cli
