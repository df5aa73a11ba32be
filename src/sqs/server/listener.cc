#include "sqs/server/listener.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <limits>
#include <optional>
#include <string_view>

#include "common/log.h"
#include "queues/stored_message.h"
#include "sqs/protocol/errors.h"

namespace sluice::sqs::server {

namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

constexpr uint32_t kMaxHeaderBytes = 16 * 1024;

std::string_view to_std(beast::string_view view) {
  return std::string_view(view.data(), view.size());
}

http::response<http::string_body> to_response(const protocol::HttpReply& reply, unsigned version,
                                              bool keep_alive) {
  http::response<http::string_body> response{static_cast<http::status>(reply.status), version};
  response.set(http::field::server, "sluice");
  response.set(http::field::content_type, reply.content_type);
  for (const auto& [name, value] : reply.headers) response.set(name, value);
  response.keep_alive(keep_alive);
  response.body() = reply.body;
  response.prepare_payload();
  return response;
}

// A request refused before it was read whole, in the request's protocol.
protocol::HttpReply too_large(protocol::Protocol protocol, int64_t limit) {
  protocol::HttpReply reply = protocol::render_error(
      protocol,
      protocol::SqsError{protocol::ErrorCode::kInvalidParameterValue,
                         "The request is larger than the " + std::to_string(limit) +
                             "-byte limit of this server."},
      queues::new_message_id());
  reply.status = 413;
  return reply;
}

}  // namespace

class SqsListener::Connection {
 public:
  explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;
};

SqsListener::SqsListener(asio::io_context& io, SqsService& service, SqsListenerOptions options)
    : io_(io), service_(service), options_(std::move(options)), acceptor_(io) {}

SqsListener::~SqsListener() {
  stop();
}

Status SqsListener::start() {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options_.host, ec);
  if (ec) {
    return Status::invalid_argument("sqs listener host '" + options_.host + "': " + ec.message());
  }
  const tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::io_error("sqs listener " + options_.host + ":" + std::to_string(options_.port) +
                            ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
  asio::co_spawn(io_, accept_loop(), asio::detached);
  log::get("sqs")->info("listening address={}:{}", options_.host, port_);
  return Status::ok();
}

void SqsListener::stop() {
  boost::system::error_code ec;
  acceptor_.close(ec);
  std::lock_guard lock(connections_mu_);
  for (const auto& connection : connections_) {
    // Closed on the connection's own strand, where its coroutine uses the socket.
    asio::post(connection->stream.get_executor(), [connection] {
      boost::system::error_code ignored;
      connection->stream.socket().close(ignored);
    });
  }
}

void SqsListener::stop_accepting() {
  draining_.store(true);
  boost::system::error_code ec;
  acceptor_.close(ec);
}

size_t SqsListener::open_connections() const {
  std::lock_guard lock(connections_mu_);
  return connections_.size();
}

void SqsListener::forget(const std::shared_ptr<Connection>& connection) {
  std::lock_guard lock(connections_mu_);
  connections_.erase(connection);
}

asio::awaitable<void> SqsListener::accept_loop() {
  while (acceptor_.is_open()) {
    // Each connection runs on its own strand: its coroutine, its timeouts and the wake-ups
    // of its long polls never race.
    tcp::socket socket(asio::make_strand(io_));
    boost::system::error_code ec;
    auto token = asio::redirect_error(asio::use_awaitable, ec);
    co_await acceptor_.async_accept(socket, token);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
      log::get("sqs")->warn("accept failed error=\"{}\"", ec.message());
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto connection = std::make_shared<Connection>(std::move(socket));
    {
      std::lock_guard lock(connections_mu_);
      connections_.insert(connection);
    }
    asio::co_spawn(connection->stream.get_executor(), serve(connection), asio::detached);
  }
}

asio::awaitable<void> SqsListener::serve(std::shared_ptr<Connection> connection) {
  beast::tcp_stream& stream = connection->stream;
  beast::flat_buffer buffer;
  try {
    while (true) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(kMaxHeaderBytes);
      // No limit while reading the header (Beast would fail the header read itself on a
      // large Content-Length, leaving nothing to answer); checked below instead.
      // (Boost 1.74 fails every body under boost::none, so "no limit" is the largest one.)
      parser.body_limit(std::numeric_limits<uint64_t>::max());
      boost::system::error_code ec;
      auto token = asio::redirect_error(asio::use_awaitable, ec);

      // Waiting for the next request and reading its header share one deadline.
      stream.expires_after(options_.idle_timeout);
      co_await http::async_read_header(stream, buffer, parser, token);
      if (ec) break;  // closed, timed out, or not HTTP: nothing useful to answer

      const auto& header = parser.get();
      const protocol::HttpRequestView header_view{.target = to_std(header.target()),
                                                  .amz_target = to_std(header["X-Amz-Target"]),
                                                  .body = {}};
      const auto length = parser.content_length();
      if (length && *length > static_cast<uint64_t>(options_.max_request_bytes)) {
        // Refused before reading the body; the connection closes, since the unread body
        // would otherwise be taken for the next request.
        auto response = to_response(
            too_large(protocol::detect_protocol(header_view), options_.max_request_bytes),
            header.version(), false);
        co_await http::async_write(stream, response, token);
        break;
      }
      // The limit for chunked bodies, whose size is only known as they arrive.
      parser.body_limit(static_cast<uint64_t>(options_.max_request_bytes));
      if (beast::iequals(header[http::field::expect], "100-continue")) {
        http::response<http::empty_body> proceed{http::status::continue_, header.version()};
        co_await http::async_write(stream, proceed, token);
        if (ec) break;
      }
      co_await http::async_read(stream, buffer, parser, token);
      if (ec == http::error::body_limit) {
        auto response = to_response(
            too_large(protocol::detect_protocol(header_view), options_.max_request_bytes),
            header.version(), false);
        co_await http::async_write(stream, response, token);
        break;
      }
      if (ec) break;

      const auto& request = parser.get();
      const protocol::HttpRequestView view{.target = to_std(request.target()),
                                           .amz_target = to_std(request["X-Amz-Target"]),
                                           .body = request.body()};
      const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
      std::optional<protocol::HttpReply> refused =
          authenticate(request, options_.access_keys, now_ms);
      // A long poll may outlast the idle timeout: no deadline while the service works.
      stream.expires_never();
      std::string host(to_std(request[http::field::host]));
      in_flight_->fetch_add(1);
      // Counted until the reply is written (or the connection fails), so that a graceful
      // stop waits for it.
      struct Done {
        std::shared_ptr<std::atomic<int64_t>> count;
        ~Done() { count->fetch_sub(1); }
      } done{in_flight_};
      protocol::HttpReply reply;
      if (refused) {
        reply = std::move(*refused);
      } else {
        reply = co_await service_.handle(view, std::move(host));
      }
      // A draining server tells the client to reconnect elsewhere (Connection: close).
      const bool keep_alive = request.keep_alive() && !draining_.load();
      auto response = to_response(reply, request.version(), keep_alive);
      stream.expires_after(options_.idle_timeout);
      co_await http::async_write(stream, response, token);
      if (ec || !keep_alive) break;
    }
  } catch (const std::exception& error) {
    log::get("sqs")->warn("connection closed reason=\"{}\"", error.what());
  }
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream.socket().close(ec);
  forget(connection);
}

}  // namespace sluice::sqs::server
