#include "admin/admin_server.h"

#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

#include "common/log.h"
#include "net/http/http_connection.h"

namespace sluice::admin {

namespace {

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

// path -> method -> handler; written before start(), only read once connections run.
class Router {
 public:
  void add(const std::string& method, const std::string& path, Handler handler) {
    routes_[path][method] = std::move(handler);
  }

  HttpResponse handle(const HttpRequest& request) const {
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

 private:
  std::map<std::string, std::map<std::string, Handler>> routes_;
};

namespace {

net::http::Reply to_reply(HttpResponse response) {
  return net::http::Reply{
      response.status, std::move(response.content_type), {}, std::move(response.body)};
}

HttpRequest from_http(const net::http::Request& message) {
  const std::string_view target(message.target().data(), message.target().size());
  const size_t question = target.find('?');
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) request.query = parse_query(target.substr(question + 1));
  request.body = message.body();
  return request;
}

class AdminHttpHandler final : public net::http::Handler {
 public:
  explicit AdminHttpHandler(std::shared_ptr<const Router> router) : router_(std::move(router)) {}

  asio::awaitable<net::http::Reply> handle(const net::http::Request& message) override {
    const HttpRequest request = from_http(message);
    HttpResponse reply = router_->handle(request);
    log::get("admin")->debug("request method={} path={} status={}", request.method, request.path,
                             reply.status);
    co_return to_reply(std::move(reply));
  }

  net::http::Reply too_large(const net::http::RequestHeader&) const override {
    return to_reply(json_error(413, "request body too large"));
  }

 private:
  const std::shared_ptr<const Router> router_;
};

}  // namespace

AdminServer::AdminServer(asio::io_context& io, AdminServerOptions options)
    : AdminServer(io, options, std::make_shared<Router>()) {}

AdminServer::AdminServer(asio::io_context& io, const AdminServerOptions& options,
                         std::shared_ptr<Router> router)
    : net::Server(
          io,
          net::ServerOptions{.name = "admin",
                             .host = options.host,
                             .port = options.port,
                             .idle_timeout = options.idle_timeout},
          [handler = std::make_shared<AdminHttpHandler>(router),
           max = static_cast<uint64_t>(options.max_request_bytes)](net::Connection& connection) {
            return net::http::serve(connection, handler, max);
          }),
      router_(std::move(router)) {}

void AdminServer::route(const std::string& method, const std::string& path, Handler handler) {
  router_->add(method, path, std::move(handler));
}

HttpResponse AdminServer::handle(const HttpRequest& request) const {
  return router_->handle(request);
}

}  // namespace sluice::admin
