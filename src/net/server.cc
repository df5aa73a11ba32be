#include "net/server.h"

#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "common/log.h"

namespace sluice::net {

using asio::ip::tcp;

namespace detail {

// Everything the accept loop and the connections' coroutines use: they hold it by
// shared_ptr, so none of it goes away under a suspended coroutine.
struct ServerState {
  ServerState(asio::io_context& io_context, ServerOptions server_options, ConnectionHandler handler)
      : io(io_context),
        options(std::move(server_options)),
        serve(std::move(handler)),
        acceptor(asio::make_strand(io_context)) {}

  // Registers an accepted connection; false once the server stopped (the caller drops it).
  bool add(const std::shared_ptr<Connection>& connection) {
    std::lock_guard lock(mu);
    if (stopped) return false;
    connections.insert(connection);
    return true;
  }
  void forget(const std::shared_ptr<Connection>& connection) {
    std::lock_guard lock(mu);
    connections.erase(connection);
  }
  // The acceptor is used by the accept loop on its strand; it is closed there too.
  void close_acceptor(const std::shared_ptr<ServerState>& self) {
    asio::post(acceptor.get_executor(), [self] {
      boost::system::error_code ec;
      self->acceptor.close(ec);
    });
  }

  asio::io_context& io;
  const ServerOptions options;
  const ConnectionHandler serve;
  tcp::acceptor acceptor;
  const std::shared_ptr<detail::ServerCounters> counters =
      std::make_shared<detail::ServerCounters>();

  mutable std::mutex mu;
  bool stopped = false;                               // GUARDED_BY(mu)
  std::set<std::shared_ptr<Connection>> connections;  // GUARDED_BY(mu)
};

}  // namespace detail

namespace {

using detail::ServerState;

// What a connection ends with when the client went away or the server closed it.
bool quiet_end(const boost::system::error_code& code) {
  return code == asio::error::eof || code == asio::error::operation_aborted ||
         code == asio::error::connection_reset || code == asio::error::broken_pipe ||
         code == asio::error::bad_descriptor;
}

asio::awaitable<void> serve_connection(std::shared_ptr<ServerState> state,
                                       std::shared_ptr<Connection> connection) {
  auto logger = log::get(state->options.name);
  logger->debug("connection opened peer={}", connection->peer());
  try {
    co_await state->serve(*connection);
  } catch (const boost::system::system_error& error) {
    if (!quiet_end(error.code())) {
      logger->info("connection closed peer={} reason=\"{}\"", connection->peer(), error.what());
    }
  } catch (const std::exception& error) {
    logger->warn("connection closed peer={} reason=\"{}\"", connection->peer(), error.what());
  }
  connection->close();
  state->forget(connection);
}

asio::awaitable<void> accept_loop(std::shared_ptr<ServerState> state) {
  while (true) {
    tcp::socket socket(asio::make_strand(state->io));
    boost::system::error_code ec;
    co_await state->acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !state->acceptor.is_open()) co_return;
      log::get(state->options.name)->warn("accept failed error=\"{}\"", ec.message());
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto connection = std::make_shared<Connection>(std::move(socket), state->options.idle_timeout,
                                                   state->counters);
    // Accepted just as the server stopped: dropping it closes the socket.
    if (!state->add(connection)) continue;
    asio::co_spawn(connection->executor(), serve_connection(state, connection), asio::detached);
  }
}

}  // namespace

Server::Server(asio::io_context& io, ServerOptions options, ConnectionHandler handler)
    : state_(std::make_shared<ServerState>(io, std::move(options), std::move(handler))) {}

Server::~Server() {
  stop();
}

Status Server::start() {
  const ServerOptions& options = state_->options;
  const std::string where = options.name + " listener " + options.host + ":";
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options.host, ec);
  if (ec) {
    return Status::invalid_argument(options.name + " listener host '" + options.host +
                                    "': " + ec.message());
  }
  // Nothing runs on the acceptor's strand yet: binding here, on the caller's thread, is safe.
  tcp::acceptor& acceptor = state_->acceptor;
  const tcp::endpoint endpoint(address, options.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::io_error(where + std::to_string(options.port) + ": " + ec.message());
  port_ = acceptor.local_endpoint().port();
  asio::co_spawn(acceptor.get_executor(), accept_loop(state_), asio::detached);
  log::get(options.name)->info("listening address={}:{}", options.host, port_);
  return Status::ok();
}

void Server::stop_accepting() {
  state_->counters->draining.store(true);
  state_->close_acceptor(state_);
}

void Server::stop() {
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(state_->mu);
    if (state_->stopped) return;
    state_->stopped = true;
    open.assign(state_->connections.begin(), state_->connections.end());
  }
  state_->close_acceptor(state_);
  // Each socket is closed on its own strand, where its coroutine uses it; the coroutine
  // then sees operation_aborted, closes and forgets the connection.
  for (auto& connection : open) {
    asio::post(connection->executor(), [connection] { connection->close(); });
  }
}

size_t Server::open_connections() const {
  std::lock_guard lock(state_->mu);
  return state_->connections.size();
}

int64_t Server::requests_in_flight() const {
  return state_->counters->in_flight.load();
}

int64_t drain(std::initializer_list<Server*> servers, std::chrono::milliseconds limit) {
  for (Server* server : servers) server->stop_accepting();
  auto in_flight = [&] {
    int64_t total = 0;
    for (const Server* server : servers) total += server->requests_in_flight();
    return total;
  };
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return in_flight();
}

}  // namespace sluice::net
