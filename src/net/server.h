// The TCP server under every network front end (Kafka, SQS, admin): it binds and accepts,
// keeps the set of open connections, gives each its own strand, counts the requests in
// flight, and stops either gracefully (drain) or at once (stop). A front end plugs in only
// its protocol loop, a ConnectionHandler that reads a request, dispatches it and writes the
// answer until the connection should close; the server closes and forgets it afterwards.
//
//   net::Server server(io, {.name = "kafka", .port = 0}, [](net::Connection& c) {
//     return serve_kafka(c);  // co_awaits reads and writes on c.socket()
//   });
//   server.start();           // server.port() is the bound port
//   ...
//   net::drain({&server}, std::chrono::seconds(5));  // stop accepting, wait for requests
//   server.stop();
//
// Threading: start() before the io_context's threads use the server; stop_accepting(),
// stop() and the counters may be called from any thread, while the I/O threads run. Nothing
// touches a socket (or the acceptor) except on its own strand: stop() posts the closes there.
// stop() is idempotent and runs from the destructor.
//
// Lifetime: the server's state is shared with its coroutines, so the Server may be destroyed
// after stop() while they are still suspended (they finish on the I/O threads, or are
// destroyed with the io_context). REQUIRES: the io_context outlives the Server, and whatever
// the handler refers to outlives the io_context's threads (the handler itself is kept as
// long as any connection needs it).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>

#include "common/asio.h"
#include "common/status.h"
#include "net/connection.h"

namespace sluice::net {

namespace detail {
struct ServerState;  // server.cc
}  // namespace detail

struct ServerOptions {
  std::string name;  // "kafka", "sqs", "admin": its log component and error messages
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0 picks a free port; see Server::port()
  // What Connection::arm_idle_timeout() waits for; zero: no idle timeout.
  std::chrono::milliseconds idle_timeout{0};
};

// Serves one connection, on the connection's strand, until it should close. It may throw:
// end of stream and aborted operations close the connection quietly, anything else with a
// log line.
using ConnectionHandler = std::function<asio::awaitable<void>(Connection&)>;

class Server {
 public:
  Server(asio::io_context& io, ServerOptions options, ConnectionHandler handler);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();

  // Binds, listens, and starts accepting on the io_context.
  Status start();
  // The first step of a graceful stop: no new connections, and each open connection closes
  // once the request it is serving has been answered. Idle connections stay open for a
  // request that is already on its way, until stop().
  void stop_accepting();
  // Stops accepting and closes every open connection. Any thread; idempotent.
  void stop();

  uint16_t port() const { return port_; }
  size_t open_connections() const;
  // Requests read whole whose response has not been written yet.
  int64_t requests_in_flight() const;

 private:
  const std::shared_ptr<detail::ServerState> state_;
  uint16_t port_ = 0;
};

// Stops accepting on every server, then waits until none has a request in flight or `limit`
// has passed. Returns the requests still in flight (0: drained). Any thread but an I/O one.
int64_t drain(std::initializer_list<Server*> servers, std::chrono::milliseconds limit);

}  // namespace sluice::net
