#include "kafka/server/listener.h"

#include <array>

#include "common/coding.h"
#include "common/log.h"
#include "kafka/protocol/wire.h"

namespace sluice::kafka::server {

using asio::ip::tcp;

KafkaListener::KafkaListener(asio::io_context& io, RequestDispatcher& dispatcher,
                             ListenerOptions options)
    : io_(io), dispatcher_(dispatcher), options_(std::move(options)), acceptor_(io) {}

KafkaListener::~KafkaListener() {
  stop();
}

Status KafkaListener::start() {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options_.host, ec);
  if (ec)
    return Status::invalid_argument("kafka listener host '" + options_.host + "': " + ec.message());
  const tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::io_error("kafka listener " + options_.host + ":" +
                            std::to_string(options_.port) + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
  asio::co_spawn(io_, accept_loop(), asio::detached);
  log::get("kafka")->info("listening address={}:{}", options_.host, port_);
  return Status::ok();
}

void KafkaListener::stop() {
  boost::system::error_code ec;
  acceptor_.close(ec);
  std::lock_guard lock(connections_mu_);
  for (const auto& socket : connections_) socket->close(ec);
}

void KafkaListener::stop_accepting() {
  draining_.store(true);
  boost::system::error_code ec;
  acceptor_.close(ec);
}

size_t KafkaListener::open_connections() const {
  std::lock_guard lock(connections_mu_);
  return connections_.size();
}

asio::awaitable<void> KafkaListener::accept_loop() {
  while (acceptor_.is_open()) {
    // Each connection runs on its own strand: its coroutine and the timers and wake-ups
    // of its long-polling fetches never race.
    auto socket = std::make_shared<tcp::socket>(asio::make_strand(io_));
    boost::system::error_code ec;
    co_await acceptor_.async_accept(*socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
      log::get("kafka")->warn("accept failed error=\"{}\"", ec.message());
      continue;
    }
    socket->set_option(tcp::no_delay(true), ec);
    {
      std::lock_guard lock(connections_mu_);
      connections_.insert(socket);
    }
    asio::co_spawn(socket->get_executor(), serve(socket), asio::detached);
  }
}

asio::awaitable<void> KafkaListener::serve(std::shared_ptr<tcp::socket> socket) {
  boost::system::error_code ec;
  const auto remote = socket->remote_endpoint(ec);
  const std::string peer =
      ec ? "unknown" : remote.address().to_string() + ":" + std::to_string(remote.port());
  log::get("kafka")->debug("connection opened peer={}", peer);
  try {
    // Reused across requests: a fresh zero-filled buffer per produce request (up to a MiB)
    // cost page faults, zeroing and madvise at every request (bench/RESULTS.md, profile).
    std::string frame;
    // Past this, the buffer is released after the request, so that an idle connection pins
    // at most what a producer's request needs at librdkafka's defaults (1,000,000 bytes).
    constexpr size_t kKeptCapacity = size_t{1} << 20;
    while (true) {
      const bool keep_open = co_await serve_one(*socket, peer, frame);
      if (frame.capacity() > kKeptCapacity) std::string().swap(frame);
      // A draining listener closes each connection once its request has been answered.
      if (!keep_open || draining_.load()) break;
    }
  } catch (const boost::system::system_error& error) {
    // The peer went away mid-frame or the listener stopped: nothing to answer.
    if (error.code() != asio::error::eof && error.code() != asio::error::operation_aborted &&
        error.code() != asio::error::connection_reset) {
      log::get("kafka")->info("connection closed peer={} reason=\"{}\"", peer, error.what());
    }
  }
  socket->close(ec);
  std::lock_guard lock(connections_mu_);
  connections_.erase(socket);
}

asio::awaitable<bool> KafkaListener::serve_one(tcp::socket& socket, const std::string& peer,
                                               std::string& frame) {
  char size_bytes[4];
  co_await asio::async_read(socket, asio::buffer(size_bytes), asio::use_awaitable);
  const auto size = static_cast<int32_t>(load_be32(size_bytes));
  // The smallest header is api_key, api_version and correlation_id: 8 bytes. Check the
  // size before allocating anything for the frame.
  if (size < 8 || size > options_.max_request_bytes) {
    log::get("kafka")->warn("closing connection peer={} reason=\"frame size {} outside [8, {}]\"",
                            peer, size, options_.max_request_bytes);
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
  in_flight_->fetch_add(1);
  // Counted until the response is written (or the connection fails), so that a graceful
  // stop waits for it.
  struct Done {
    std::shared_ptr<std::atomic<int64_t>> count;
    ~Done() { count->fetch_sub(1); }
  } done{in_flight_};
  auto response = co_await dispatcher_.dispatch(std::move(request));
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
  const std::string& body = **response;
  store_be32(head.data(), static_cast<uint32_t>(head.size() - 4 + body.size()));
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(body)};
  co_await asio::async_write(socket, buffers, asio::use_awaitable);
  co_return true;
}

}  // namespace sluice::kafka::server
