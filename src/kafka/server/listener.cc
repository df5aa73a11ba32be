#include "kafka/server/listener.h"

#include <array>

#include "common/coding.h"
#include "common/log.h"
#include "kafka/protocol/wire.h"
#include "net/send_file.h"

namespace sluice::kafka::server {

namespace {

// Writes what is left of `head` (then nothing is) in front of `bytes`, in one gathered write.
asio::awaitable<void> write_after(asio::ip::tcp::socket& socket, std::string_view& head,
                                  std::string_view bytes) {
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(bytes)};
  co_await asio::async_write(socket, buffers, asio::use_awaitable);
  head = std::string_view();
}

// Writes `head`, then the body's bytes with its file ranges sent in between (sendfile).
// An error means the framing on the wire is broken (a file shrank under a range).
asio::awaitable<Status> write_response(asio::ip::tcp::socket& socket, std::string_view head,
                                       const ResponseBody& body) {
  const std::string_view bytes(body.bytes);
  size_t written = 0;
  for (const protocol::Splice& splice : body.splices) {
    co_await write_after(socket, head, bytes.substr(written, splice.position - written));
    if (Status status = co_await net::send_file(socket, splice.range); !status.is_ok()) {
      co_return status;
    }
    written = splice.position;
  }
  co_await write_after(socket, head, bytes.substr(written));
  co_return Status::ok();
}

// Reads and answers one request; false when the connection should close.
// `frame` is the connection's request buffer, reused from one request to the next.
asio::awaitable<bool> serve_one(net::Connection& connection, RequestDispatcher& dispatcher,
                                int64_t max_request_bytes, std::string& frame) {
  auto& socket = connection.socket();
  const std::string& peer = connection.peer();
  char size_bytes[4];
  co_await asio::async_read(socket, asio::buffer(size_bytes), asio::use_awaitable);
  const auto size = static_cast<int32_t>(load_be32(size_bytes));
  // The smallest header is api_key, api_version and correlation_id: 8 bytes. Check the
  // size before allocating anything for the frame.
  if (size < 8 || size > max_request_bytes) {
    log::get("kafka")->warn("closing connection peer={} reason=\"frame size {} outside [8, {}]\"",
                            peer, size, max_request_bytes);
    co_return false;
  }
  frame.resize(static_cast<size_t>(size));  // zero-fills only growth beyond the last size
  co_await asio::async_read(socket, asio::buffer(frame), asio::use_awaitable);

  protocol::Reader reader(frame);
  Request request;
  if (Status status = protocol::decode_request_header(reader, &request.header); !status.is_ok()) {
    log::get("kafka")->warn("closing connection peer={} reason=\"bad request header: {}\"", peer,
                            status.message());
    co_return false;
  }
  request.frame = &frame;
  request.body_offset = frame.size() - reader.remaining();
  request.client_address = peer;
  const protocol::RequestHeader header = request.header;
  // Counted until the response is written (or the connection fails), so that a graceful
  // stop waits for it.
  const net::Connection::RequestInFlight in_flight = connection.begin_request();
  auto response = co_await dispatcher.dispatch(std::move(request));
  if (!response.is_ok()) {
    log::get("kafka")->warn(
        "closing connection peer={} api_key={} api_version={} correlation_id={} reason=\"{}\"",
        peer, header.api_key, header.api_version, header.correlation_id,
        response.status().message());
    co_return false;
  }
  if (!response->has_value()) co_return true;

  // The size and header go out in front of the body in one gathered write, so that a large
  // fetch response is not copied once more.
  std::string head;
  protocol::Writer out(&head);
  out.write_int32(0);  // size, filled in below
  protocol::ResponseHeader{header.correlation_id}.encode(
      out, protocol::response_header_version(header.api_key, header.api_version));
  const ResponseBody& body = **response;
  store_be32(head.data(), static_cast<uint32_t>(head.size() - 4 + body.size()));
  if (Status status = co_await write_response(socket, head, body); !status.is_ok()) {
    log::get("kafka")->warn(
        "closing connection peer={} api_key={} api_version={} correlation_id={} reason=\"{}\"",
        peer, header.api_key, header.api_version, header.correlation_id, status.message());
    co_return false;
  }
  co_return true;
}

// One request at a time, in order, until the client closes or a draining server has
// answered the request it was serving. Read errors throw; the server closes quietly on them.
asio::awaitable<void> serve(net::Connection& connection, RequestDispatcher& dispatcher,
                            int64_t max_request_bytes) {
  // Reused across requests: a fresh zero-filled buffer per produce request (up to a MiB)
  // cost page faults, zeroing and madvise at every request (bench/RESULTS.md, profile).
  std::string frame;
  // Past this, the buffer is released after the request, so that an idle connection pins
  // at most what a producer's request needs at librdkafka's defaults (1,000,000 bytes).
  constexpr size_t kKeptCapacity = size_t{1} << 20;
  while (true) {
    const bool keep_open = co_await serve_one(connection, dispatcher, max_request_bytes, frame);
    if (frame.capacity() > kKeptCapacity) std::string().swap(frame);
    if (!keep_open || connection.draining()) co_return;
  }
}

net::ServerOptions server_options(const ListenerOptions& options) {
  // No idle timeout: Kafka clients keep idle connections to every broker they know.
  return net::ServerOptions{.name = "kafka", .host = options.host, .port = options.port};
}

}  // namespace

uint64_t ResponseBody::size() const {
  uint64_t total = bytes.size();
  for (const protocol::Splice& splice : splices) total += splice.range.size;
  return total;
}

KafkaListener::KafkaListener(asio::io_context& io, RequestDispatcher& dispatcher,
                             ListenerOptions options)
    : net::Server(io, server_options(options),
                  [&dispatcher, max = options.max_request_bytes](net::Connection& connection) {
                    return serve(connection, dispatcher, max);
                  }) {}

}  // namespace sluice::kafka::server
