// The Kafka protocol listener: accepts TCP connections and serves each one as a sequence
// of size-prefixed request frames, handing every request to a RequestDispatcher and writing
// its response back.
//
// Like Kafka, a connection processes one request at a time: requests a client pipelines
// wait in the socket until the previous response is written, so responses always leave in
// request order. A frame that cannot be parsed closes that one connection, with a log line.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/asio.h"
#include "common/status.h"
#include "kafka/protocol/header.h"

namespace sluice::kafka::server {

// What a connection hands to the broker for each request.
struct Request {
  protocol::RequestHeader header;
  // The whole frame (header and body), owned for the duration of the call; handlers may
  // modify it in place (Produce stamps record batches where they arrived).
  std::string* frame = nullptr;
  size_t body_offset = 0;
  std::string client_address;

  std::string_view body() const { return std::string_view(*frame).substr(body_offset); }
};

class RequestDispatcher {
 public:
  virtual ~RequestDispatcher() = default;
  // The encoded response body (the connection adds the response header), nullopt when
  // the request gets no response (Produce with acks=0), or an error that closes the
  // connection (an undecodable body).
  virtual asio::awaitable<Result<std::optional<std::string>>> dispatch(Request request) = 0;
};

struct ListenerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 9092;  // 0 picks a free port; see KafkaListener::port()
  int64_t max_request_bytes = 100 << 20;
};

class KafkaListener {
 public:
  KafkaListener(asio::io_context& io, RequestDispatcher& dispatcher, ListenerOptions options);
  ~KafkaListener();

  // Binds and starts accepting on the io_context.
  Status start();
  // Stops accepting and closes every open connection.
  void stop();
  // The first step of a graceful stop: no new connections, and each open connection closes
  // once the request it is serving has been answered.
  void stop_accepting();
  uint16_t port() const { return port_; }
  size_t open_connections() const;
  // Requests read whole whose response has not been written yet.
  int64_t requests_in_flight() const { return in_flight_->load(); }

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(std::shared_ptr<asio::ip::tcp::socket> socket);
  // Reads and answers one request; false when the connection should close.
  // `frame` is the connection's request buffer, reused from one request to the next.
  asio::awaitable<bool> serve_one(asio::ip::tcp::socket& socket, const std::string& peer,
                                  std::string& frame);

  asio::io_context& io_;
  RequestDispatcher& dispatcher_;
  const ListenerOptions options_;
  asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> draining_{false};
  // Shared with the requests' coroutines, whose frames may outlive the listener when the
  // io_context is destroyed with them suspended.
  std::shared_ptr<std::atomic<int64_t>> in_flight_ = std::make_shared<std::atomic<int64_t>>(0);

  mutable std::mutex connections_mu_;
  std::set<std::shared_ptr<asio::ip::tcp::socket>> connections_;  // GUARDED_BY(connections_mu_)
};

}  // namespace sluice::kafka::server
