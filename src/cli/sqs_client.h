// The CLI's SQS side: AWS JSON 1.0 requests (what current AWS SDKs send) over one
// keep-alive HTTP connection to the broker's SQS listener.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "cli/http_client.h"

namespace sluice::cli {

class SqsClient {
 public:
  // `endpoint` is "http://host:port"; a malformed one is a usage error.
  explicit SqsClient(std::string endpoint);

  // Sends `action` with `body`; returns the response document, or throws CliError naming the
  // endpoint, the action and SQS's error code and message.
  nlohmann::json call(const std::string& action, const nlohmann::json& body);

  // The queue's URL (GetQueueUrl), or CliError saying the queue does not exist.
  std::string queue_url(const std::string& name);

  const std::string& endpoint() const { return http_.endpoint(); }

 private:
  HttpClient http_;
};

}  // namespace sluice::cli
