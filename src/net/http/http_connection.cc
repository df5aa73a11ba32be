#include "net/http/http_connection.h"

#include <boost/beast/core.hpp>
#include <limits>

namespace sluice::net::http {

namespace beast = boost::beast;
namespace bhttp = beast::http;

namespace {

constexpr uint32_t kMaxHeaderBytes = 16 * 1024;

bhttp::response<bhttp::string_body> to_response(Reply reply, unsigned version, bool keep_alive) {
  bhttp::response<bhttp::string_body> response{static_cast<bhttp::status>(reply.status), version};
  response.set(bhttp::field::server, "sluice");
  response.set(bhttp::field::content_type, reply.content_type);
  for (const auto& [name, value] : reply.headers) response.set(name, value);
  response.keep_alive(keep_alive);
  response.body() = std::move(reply.body);
  response.prepare_payload();
  return response;
}

// Writes the reply to an over-limit request (the connection closes after it).
asio::awaitable<void> refuse(asio::ip::tcp::socket& socket, const Handler& handler,
                             const RequestHeader& header) {
  auto response = to_response(handler.too_large(header), header.version(), false);
  boost::system::error_code ec;
  co_await bhttp::async_write(socket, response, asio::redirect_error(asio::use_awaitable, ec));
}

}  // namespace

asio::awaitable<void> serve(Connection& connection, std::shared_ptr<Handler> handler,
                            uint64_t max_body_bytes) {
  auto& socket = connection.socket();
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  auto token = asio::redirect_error(asio::use_awaitable, ec);
  while (true) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(kMaxHeaderBytes);
    // No limit while reading the header (Beast would fail the header read itself on a large
    // Content-Length, leaving nothing to answer); checked below instead.
    // (Boost 1.74 fails every body under boost::none, so "no limit" is the largest one.)
    parser.body_limit(std::numeric_limits<uint64_t>::max());

    // Waiting for the next request and reading it share one deadline.
    connection.arm_idle_timeout();
    co_await bhttp::async_read_header(socket, buffer, parser, token);
    if (ec) co_return;  // closed, timed out, or not HTTP: nothing useful to answer

    const RequestHeader& header = parser.get().base();
    if (const auto length = parser.content_length(); length && *length > max_body_bytes) {
      co_await refuse(socket, *handler, header);
      co_return;
    }
    // The limit for chunked bodies, whose size is only known as they arrive.
    parser.body_limit(max_body_bytes);
    if (beast::iequals(header[bhttp::field::expect], "100-continue")) {
      bhttp::response<bhttp::empty_body> proceed{bhttp::status::continue_, header.version()};
      co_await bhttp::async_write(socket, proceed, token);
      if (ec) co_return;
    }
    co_await bhttp::async_read(socket, buffer, parser, token);
    if (ec == bhttp::error::body_limit) {
      co_await refuse(socket, *handler, header);
      co_return;
    }
    if (ec) co_return;

    const Request& request = parser.get();
    connection.disarm_idle_timeout();
    Connection::RequestInFlight in_flight = connection.begin_request();
    Reply reply = co_await handler->handle(request);
    const bool keep_alive = request.keep_alive() && !connection.draining();
    auto response = to_response(std::move(reply), request.version(), keep_alive);
    connection.arm_idle_timeout();
    co_await bhttp::async_write(socket, response, token);
    if (ec || !keep_alive) co_return;
  }
}

}  // namespace sluice::net::http
