// The admin HTTP listener (Boost.Beast): health, readiness, Prometheus metrics and the JSON
// API the `sluice` CLI calls. It knows HTTP and routing only; what each path answers is
// registered by whoever wires the broker (src/server/admin_endpoints.h), so this library
// depends on no service.
//
// Small and strict: requests are capped at 64 KiB, one at a time per connection
// (keep-alive), and a connection idle for idle_timeout is closed. Handlers run on the
// io_context's threads and must not block on the disk.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "common/asio.h"
#include "common/status.h"

namespace sluice::admin {

struct HttpRequest {
  std::string method;                        // "GET", "PUT", ...
  std::string path;                          // without the query
  std::map<std::string, std::string> query;  // decoded ?a=b&c=d
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// {"error": message} with `status`.
HttpResponse json_error(int status, const std::string& message);

using Handler = std::function<HttpResponse(const HttpRequest&)>;

struct AdminServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 9644;  // 0 picks a free port; see AdminServer::port()
  int64_t max_request_bytes = 64 * 1024;
  std::chrono::milliseconds idle_timeout{30000};
};

class AdminServer {
 public:
  AdminServer(asio::io_context& io, AdminServerOptions options);
  ~AdminServer();

  // Answers `method` requests for exactly `path`. REQUIRES: called before start().
  void route(const std::string& method, const std::string& path, Handler handler);

  // Binds and starts accepting on the io_context.
  Status start();
  // Stops accepting and closes every open connection.
  void stop();
  uint16_t port() const { return port_; }

  // Routes one request (404 for an unknown path, 405 for a known path with another method).
  HttpResponse handle(const HttpRequest& request) const;

 private:
  class Connection;

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(std::shared_ptr<Connection> connection);
  void forget(const std::shared_ptr<Connection>& connection);

  asio::io_context& io_;
  const AdminServerOptions options_;
  asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::map<std::string, std::map<std::string, Handler>> routes_;  // path -> method -> handler

  mutable std::mutex connections_mu_;
  std::set<std::shared_ptr<Connection>> connections_;  // GUARDED_BY(connections_mu_)
};

// Splits "a=1&b=x%20y" into decoded pairs (later keys win).
std::map<std::string, std::string> parse_query(std::string_view query);

}  // namespace sluice::admin
