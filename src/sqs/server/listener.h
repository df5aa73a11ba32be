// The SQS HTTP/1.1 listener (Boost.Beast): accepts connections and hands each request to
// the SqsService, writing its reply back. Keep-alive; one request at a time per connection
// (HTTP/1.1 answers in order), each connection on its own strand.
//
// Resource limits: the header is capped at 16 KiB and the whole request at
// max_request_bytes, checked from Content-Length before the body is read (413 with an SQS
// error); a connection that sends nothing for idle_timeout (while waiting for a request,
// reading one, or writing a reply) is closed, so slow or half-open clients do not hold a
// connection forever.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "common/asio.h"
#include "common/status.h"
#include "sqs/server/request_auth.h"
#include "sqs/server/sqs_service.h"

namespace sluice::sqs::server {

struct SqsListenerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 9324;  // 0 picks a free port; see SqsListener::port()
  // SQS messages and batches carry up to 1 MiB of payload; the encoding adds to that.
  int64_t max_request_bytes = 2 << 20;
  std::chrono::milliseconds idle_timeout{30000};
  // Empty: any signature is accepted. Otherwise requests must be SigV4-signed by one of
  // these keys (request_auth.h).
  AccessKeys access_keys;
};

class SqsListener {
 public:
  SqsListener(asio::io_context& io, SqsService& service, SqsListenerOptions options);
  ~SqsListener();

  // Binds and starts accepting on the io_context.
  Status start();
  // Stops accepting and closes every open connection.
  void stop();
  // The first step of a graceful stop: no new connections, and each open connection closes
  // once the request it is serving has been answered.
  void stop_accepting();
  uint16_t port() const { return port_; }
  size_t open_connections() const;
  // Requests read whole whose reply has not been written yet.
  int64_t requests_in_flight() const { return in_flight_->load(); }

 private:
  class Connection;

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(std::shared_ptr<Connection> connection);
  void forget(const std::shared_ptr<Connection>& connection);

  asio::io_context& io_;
  SqsService& service_;
  const SqsListenerOptions options_;
  asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> draining_{false};
  // Shared with the requests' coroutines, whose frames may outlive the listener when the
  // io_context is destroyed with them suspended.
  std::shared_ptr<std::atomic<int64_t>> in_flight_ = std::make_shared<std::atomic<int64_t>>(0);

  mutable std::mutex connections_mu_;
  std::set<std::shared_ptr<Connection>> connections_;  // GUARDED_BY(connections_mu_)
};

}  // namespace sluice::sqs::server
