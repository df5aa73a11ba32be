#include "cli/sqs_client.h"

#include "cli/cli_error.h"

namespace sluice::cli {

SqsClient::SqsClient(std::string endpoint)
    : http_(std::move(endpoint), "--sqs-endpoint or SLUICE_SQS_ENDPOINT") {}

nlohmann::json SqsClient::call(const std::string& action, const nlohmann::json& body) {
  const HttpResponse response = http_.request(
      "POST", "/",
      {{"Content-Type", "application/x-amz-json-1.0"}, {"X-Amz-Target", "AmazonSQS." + action}},
      body.dump());
  nlohmann::json document = nlohmann::json::parse(response.body, nullptr, false);
  if (response.status != 200) {
    std::string code = document.is_object() ? document.value("__type", "") : "";
    code = code.substr(code.find('#') + 1);  // "com.amazonaws.sqs#QueueDoesNotExist"
    const std::string message = document.is_object() ? document.value("message", "") : "";
    throw CliError(action + " failed at " + endpoint() + ": " +
                   (code.empty() ? std::to_string(response.status) : code) +
                   (message.empty() ? "" : ": " + message));
  }
  if (document.is_discarded()) {
    throw CliError(action + " at " + endpoint() + " returned a body that is not JSON");
  }
  return document;
}

std::string SqsClient::queue_url(const std::string& name) {
  try {
    return call("GetQueueUrl", {{"QueueName", name}}).at("QueueUrl").get<std::string>();
  } catch (const CliError& e) {
    if (std::string(e.what()).find("QueueDoesNotExist") == std::string::npos &&
        std::string(e.what()).find("NonExistentQueue") == std::string::npos) {
      throw;
    }
    throw CliError("queue '" + name + "' does not exist at " + endpoint() +
                   " (see `sluice queue list`, or create it with `sluice queue create " + name +
                   "`)");
  }
}

}  // namespace sluice::cli
