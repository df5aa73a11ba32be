// One accepted TCP connection, as a front end's protocol loop sees it (server.h accepts
// it and owns the bookkeeping). The loop reads and writes socket() and marks its requests
// with begin_request(); the connection runs on its own strand, so the loop, its idle timer
// and every wake-up of its long polls never race.
//
// Idle timeout: arm_idle_timeout() closes the socket if the timer runs out before the next
// arm or disarm, which fails whatever read or write is pending with operation_aborted;
// a loop arms it while waiting for a request and disarms it while the service works (a
// long poll may outlast it).
//
// Threading: every member except peer() and draining() is called on the connection's
// strand (the loop's own coroutine, or a handler posted to executor()).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/asio.h"

namespace sluice::net {

namespace detail {
// The part of a server that its connections and their requests' coroutines share. Held by
// shared_ptr: a suspended coroutine frame may outlive the Server, and is destroyed (its
// RequestInFlight with it) only when the io_context is.
struct ServerCounters {
  std::atomic<bool> draining{false};
  std::atomic<int64_t> in_flight{0};
};
}  // namespace detail

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // Counts one request as in flight from construction to destruction: from the moment it is
  // read whole until its response has been written (or the connection failed).
  class RequestInFlight {
   public:
    explicit RequestInFlight(std::shared_ptr<detail::ServerCounters> counters);
    RequestInFlight(RequestInFlight&& other) noexcept = default;
    RequestInFlight& operator=(RequestInFlight&&) = delete;
    ~RequestInFlight();

   private:
    std::shared_ptr<detail::ServerCounters> counters_;
  };

  // `socket` is accepted and bound to the connection's strand.
  Connection(asio::ip::tcp::socket socket, std::chrono::milliseconds idle_timeout,
             std::shared_ptr<detail::ServerCounters> counters);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  asio::ip::tcp::socket& socket() { return socket_; }
  asio::any_io_executor executor() { return socket_.get_executor(); }
  // "address:port" of the client, or "unknown".
  const std::string& peer() const { return peer_; }

  // True once the server began a graceful stop: the loop answers the request it is serving
  // (telling an HTTP client Connection: close) and then returns instead of reading another.
  bool draining() const { return counters_->draining.load(); }

  RequestInFlight begin_request() { return RequestInFlight(counters_); }

  // Starts (or restarts) the server's idle timeout; no-op when the server has none.
  void arm_idle_timeout();
  void disarm_idle_timeout();

  // Shuts the socket down and closes it; pending operations fail with operation_aborted.
  // Idempotent.
  void close();

 private:
  void on_idle_timer();

  asio::ip::tcp::socket socket_;
  const std::chrono::milliseconds idle_timeout_;
  asio::steady_timer idle_timer_;
  const std::shared_ptr<detail::ServerCounters> counters_;
  std::string peer_;
};

}  // namespace sluice::net
