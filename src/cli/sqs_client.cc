#include "cli/sqs_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "cli/cli_error.h"

namespace sluice::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct SqsClient::Connection {
  asio::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  bool open = false;
};

SqsClient::SqsClient(std::string endpoint)
    : endpoint_(std::move(endpoint)), connection_(std::make_unique<Connection>()) {
  const std::string scheme = "http://";
  if (endpoint_.rfind(scheme, 0) != 0) {
    throw usage_error("SQS endpoint '" + endpoint_ + "' must start with http://");
  }
  std::string authority = endpoint_.substr(scheme.size());
  authority = authority.substr(0, authority.find('/'));
  const size_t colon = authority.rfind(':');
  host_ = colon == std::string::npos ? authority : authority.substr(0, colon);
  port_ = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  if (host_.empty()) throw usage_error("SQS endpoint '" + endpoint_ + "' has no host");
}

SqsClient::~SqsClient() = default;

nlohmann::json SqsClient::call(const std::string& action, const nlohmann::json& body) {
  http::request<http::string_body> request{http::verb::post, "/", 11};
  request.set(http::field::host, host_ + ":" + port_);
  request.set(http::field::content_type, "application/x-amz-json-1.0");
  request.set("X-Amz-Target", "AmazonSQS." + action);
  request.set(http::field::user_agent, "sluice-cli");
  request.keep_alive(true);
  request.body() = body.dump();
  request.prepare_payload();
  http::response<http::string_body> response;
  try {
    if (!connection_->open) {
      asio::ip::tcp::resolver resolver(connection_->io);
      connection_->stream.connect(resolver.resolve(host_, port_));
      connection_->open = true;
    }
    connection_->stream.expires_after(std::chrono::seconds(40));  // beyond a 20 s long poll
    http::write(connection_->stream, request);
    http::read(connection_->stream, connection_->buffer, response);
  } catch (const std::exception& e) {
    connection_->open = false;
    throw CliError("cannot reach the SQS listener at " + endpoint_ + " (" + e.what() +
                   "): is `sluice serve` running there? Set --sqs-endpoint or "
                   "SLUICE_SQS_ENDPOINT.");
  }
  nlohmann::json document = nlohmann::json::parse(response.body(), nullptr, false);
  if (response.result() != http::status::ok) {
    std::string code = document.is_object() ? document.value("__type", "") : "";
    code = code.substr(code.find('#') + 1);  // "com.amazonaws.sqs#QueueDoesNotExist"
    const std::string message = document.is_object() ? document.value("message", "") : "";
    throw CliError(action + " failed at " + endpoint_ + ": " +
                   (code.empty() ? std::to_string(response.result_int()) : code) +
                   (message.empty() ? "" : ": " + message));
  }
  if (document.is_discarded()) {
    throw CliError(action + " at " + endpoint_ + " returned a body that is not JSON");
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
    throw CliError("queue '" + name + "' does not exist at " + endpoint_ +
                   " (see `sluice queue list`, or create it with `sluice queue create " + name +
                   "`)");
  }
}

}  // namespace sluice::cli
