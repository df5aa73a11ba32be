#include "admin/admin_server.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/log.h"

namespace sluice::admin {

namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

constexpr uint32_t kMaxHeaderBytes = 16 * 1024;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

http::response<http::string_body> to_beast(const HttpResponse& reply, unsigned version,
                                           bool keep_alive) {
  http::response<http::string_body> response{static_cast<http::status>(reply.status), version};
  response.set(http::field::server, "sluice");
  response.set(http::field::content_type, reply.content_type);
  response.keep_alive(keep_alive);
  response.body() = reply.body;
  response.prepare_payload();
  return response;
}

}  // namespace

HttpResponse json_error(int status, const std::string& message) {
  return HttpResponse{status, "application/json", nlohmann::json{{"error", message}}.dump()};
}

std::map<std::string, std::string> parse_query(std::string_view query) {
  std::map<std::string, std::string> result;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const std::string key = percent_decode(pair.substr(0, eq));
    result[key] = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
  }
  return result;
}

class AdminServer::Connection {
 public:
  explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;
};

AdminServer::AdminServer(asio::io_context& io, AdminServerOptions options)
    : io_(io), options_(std::move(options)), acceptor_(io) {}

AdminServer::~AdminServer() {
  stop();
}

void AdminServer::route(const std::string& method, const std::string& path, Handler handler) {
  routes_[path][method] = std::move(handler);
}

HttpResponse AdminServer::handle(const HttpRequest& request) const {
  const auto by_path = routes_.find(request.path);
  if (by_path == routes_.end()) return json_error(404, "no such path: " + request.path);
  const auto by_method = by_path->second.find(request.method);
  if (by_method == by_path->second.end()) {
    return json_error(405, "method " + request.method + " is not allowed on " + request.path);
  }
  try {
    return by_method->second(request);
  } catch (const std::exception& error) {
    // A handler bug must not take the listener down; the caller sees what went wrong.
    log::get("admin")->error("handler failed path={} error=\"{}\"", request.path, error.what());
    return json_error(500, error.what());
  }
}

Status AdminServer::start() {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options_.host, ec);
  if (ec) {
    return Status::invalid_argument("admin listener host '" + options_.host + "': " + ec.message());
  }
  const tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::io_error("admin listener " + options_.host + ":" +
                            std::to_string(options_.port) + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
  asio::co_spawn(io_, accept_loop(), asio::detached);
  log::get("admin")->info("listening address={}:{}", options_.host, port_);
  return Status::ok();
}

void AdminServer::stop() {
  boost::system::error_code ec;
  acceptor_.close(ec);
  std::lock_guard lock(connections_mu_);
  for (const auto& connection : connections_) {
    asio::post(connection->stream.get_executor(), [connection] {
      boost::system::error_code ignored;
      connection->stream.socket().close(ignored);
    });
  }
}

void AdminServer::forget(const std::shared_ptr<Connection>& connection) {
  std::lock_guard lock(connections_mu_);
  connections_.erase(connection);
}

asio::awaitable<void> AdminServer::accept_loop() {
  while (acceptor_.is_open()) {
    tcp::socket socket(asio::make_strand(io_));
    boost::system::error_code ec;
    auto token = asio::redirect_error(asio::use_awaitable, ec);
    co_await acceptor_.async_accept(socket, token);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
      log::get("admin")->warn("accept failed error=\"{}\"", ec.message());
      continue;
    }
    auto connection = std::make_shared<Connection>(std::move(socket));
    {
      std::lock_guard lock(connections_mu_);
      connections_.insert(connection);
    }
    asio::co_spawn(connection->stream.get_executor(), serve(connection), asio::detached);
  }
}

asio::awaitable<void> AdminServer::serve(std::shared_ptr<Connection> connection) {
  beast::tcp_stream& stream = connection->stream;
  beast::flat_buffer buffer;
  try {
    while (true) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(kMaxHeaderBytes);
      parser.body_limit(static_cast<uint64_t>(options_.max_request_bytes));
      boost::system::error_code ec;
      auto token = asio::redirect_error(asio::use_awaitable, ec);
      stream.expires_after(options_.idle_timeout);
      co_await http::async_read(stream, buffer, parser, token);
      if (ec == http::error::body_limit) {
        auto response = to_beast(json_error(413, "request body too large"), 11, false);
        co_await http::async_write(stream, response, token);
        break;
      }
      if (ec) break;

      const auto& message = parser.get();
      const std::string_view target(message.target().data(), message.target().size());
      const size_t question = target.find('?');
      HttpRequest request;
      request.method = std::string(message.method_string());
      request.path = std::string(target.substr(0, question));
      if (question != std::string_view::npos)
        request.query = parse_query(target.substr(question + 1));
      request.body = message.body();
      const HttpResponse reply = handle(request);
      log::get("admin")->debug("request method={} path={} status={}", request.method, request.path,
                               reply.status);
      const bool keep_alive = message.keep_alive();
      auto response = to_beast(reply, message.version(), keep_alive);
      co_await http::async_write(stream, response, token);
      if (ec || !keep_alive) break;
    }
  } catch (const std::exception& error) {
    log::get("admin")->warn("connection closed reason=\"{}\"", error.what());
  }
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream.socket().close(ec);
  forget(connection);
}

}  // namespace sluice::admin
