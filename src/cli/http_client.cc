#include "cli/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "cli/cli_error.h"

namespace sluice::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct HttpClient::Connection {
  asio::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  bool open = false;
};

HttpClient::HttpClient(std::string endpoint, std::string setting)
    : endpoint_(std::move(endpoint)),
      setting_(std::move(setting)),
      connection_(std::make_unique<Connection>()) {
  const std::string scheme = "http://";
  if (endpoint_.rfind(scheme, 0) != 0) {
    throw usage_error("endpoint '" + endpoint_ + "' must start with http:// (" + setting_ + ")");
  }
  std::string authority = endpoint_.substr(scheme.size());
  authority = authority.substr(0, authority.find('/'));
  const size_t colon = authority.rfind(':');
  host_ = colon == std::string::npos ? authority : authority.substr(0, colon);
  port_ = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  if (host_.empty())
    throw usage_error("endpoint '" + endpoint_ + "' has no host (" + setting_ + ")");
}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::request(const std::string& method, const std::string& target,
                                 const std::map<std::string, std::string>& headers,
                                 const std::string& body) {
  http::request<http::string_body> request{http::string_to_verb(method), target, 11};
  request.set(http::field::host, host_ + ":" + port_);
  request.set(http::field::user_agent, "sluice-cli");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.keep_alive(true);
  request.body() = body;
  request.prepare_payload();
  http::response<http::string_body> response;
  try {
    if (!connection_->open) {
      asio::ip::tcp::resolver resolver(connection_->io);
      connection_->stream.connect(resolver.resolve(host_, port_));
      connection_->open = true;
    }
    connection_->stream.expires_after(std::chrono::seconds(40));
    http::write(connection_->stream, request);
    http::read(connection_->stream, connection_->buffer, response);
  } catch (const std::exception& e) {
    connection_->open = false;
    throw CliError("cannot reach " + endpoint_ + " (" + e.what() +
                   "): is `sluice serve` running there? Set " + setting_ + ".");
  }
  return {static_cast<int>(response.result_int()), std::move(response.body())};
}

}  // namespace sluice::cli
