// The CLI's SQS side: AWS JSON 1.0 requests (what current AWS SDKs send) over one
// keep-alive HTTP connection to the broker's SQS listener.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace sluice::cli {

class SqsClient {
 public:
  // `endpoint` is "http://host:port"; a malformed one is a usage error.
  explicit SqsClient(std::string endpoint);
  ~SqsClient();
  SqsClient(const SqsClient&) = delete;
  SqsClient& operator=(const SqsClient&) = delete;

  // Sends `action` with `body`; returns the response document, or throws CliError naming the
  // endpoint, the action and SQS's error code and message.
  nlohmann::json call(const std::string& action, const nlohmann::json& body);

  // The queue's URL (GetQueueUrl), or CliError saying the queue does not exist.
  std::string queue_url(const std::string& name);

  const std::string& endpoint() const { return endpoint_; }

 private:
  struct Connection;
  std::string endpoint_;
  std::string host_;
  std::string port_;
  std::unique_ptr<Connection> connection_;
};

}  // namespace sluice::cli
