// The admin HTTP listener: health, readiness, Prometheus metrics and the JSON API the
// `sluice` CLI calls. It knows routing only; what each path answers is registered by whoever
// wires the broker (src/server/admin_endpoints.h), so this library depends on no service.
// HTTP is the shared loop (net/http/http_connection.h) on a net::Server.
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
#include <string>
#include <string_view>

#include "common/asio.h"
#include "net/server.h"

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

class Router;  // admin_server.cc: path -> method -> handler

// start(), port(), stop() and the counters are the server's (net/server.h).
class AdminServer : public net::Server {
 public:
  AdminServer(asio::io_context& io, AdminServerOptions options);

  // Answers `method` requests for exactly `path`. REQUIRES: called before start().
  void route(const std::string& method, const std::string& path, Handler handler);

  // Routes one request (404 for an unknown path, 405 for a known path with another method).
  HttpResponse handle(const HttpRequest& request) const;

 private:
  AdminServer(asio::io_context& io, const AdminServerOptions& options,
              std::shared_ptr<Router> router);

  // Shared with the connections' loops, which may outlive this object (net/server.h).
  const std::shared_ptr<Router> router_;
};

// Splits "a=1&b=x%20y" into decoded pairs (later keys win).
std::map<std::string, std::string> parse_query(std::string_view query);

}  // namespace sluice::admin
