// A keep-alive HTTP/1.1 connection speaking the SQS JSON 1.0 protocol (what
// @aws-sdk/client-sqs v3 and boto3 >= 1.34.90 speak), one request at a time, as an SDK worker
// does. Shared by bench/sqs_bench and bench/loadgen's SQS driver. Requests are unsigned (the
// broker accepts any signature unless --sqs-access-key is set).
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace sluice::bench {

struct SqsEndpoint {
  std::string host;
  std::string port;
};

// "http://host:port/" -> {host, port}.
inline SqsEndpoint parse_sqs_endpoint(std::string text) {
  if (text.starts_with("http://")) text = text.substr(7);
  while (!text.empty() && text.back() == '/') text.pop_back();
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) return {text, "80"};
  return {text.substr(0, colon), text.substr(colon + 1)};
}

class SqsClient {
 public:
  // Throws (boost::system::system_error) when the endpoint cannot be reached.
  explicit SqsClient(const SqsEndpoint& endpoint) : host_(endpoint.host + ":" + endpoint.port) {
    boost::asio::ip::tcp::resolver resolver(io_);
    stream_.connect(resolver.resolve(endpoint.host, endpoint.port));
    stream_.socket().set_option(boost::asio::ip::tcp::no_delay(true));
  }

  // Throws std::runtime_error on a reply other than 200, and Beast's errors on I/O failure.
  nlohmann::json call(const std::string& action, const nlohmann::json& input) {
    namespace http = boost::beast::http;
    http::request<http::string_body> request{http::verb::post, "/", 11};
    request.set(http::field::host, host_);
    request.set(http::field::content_type, "application/x-amz-json-1.0");
    request.set("X-Amz-Target", "AmazonSQS." + action);
    request.keep_alive(true);
    request.body() = input.dump();
    request.prepare_payload();
    http::write(stream_, request);
    http::response<http::string_body> response;
    http::read(stream_, buffer_, response);
    if (response.result_int() != 200) {
      throw std::runtime_error(action + " failed: HTTP " + std::to_string(response.result_int()) +
                               " " + response.body());
    }
    return nlohmann::json::parse(response.body());
  }

 private:
  boost::asio::io_context io_;
  boost::beast::tcp_stream stream_{io_};
  boost::beast::flat_buffer buffer_;
  std::string host_;
};

}  // namespace sluice::bench
