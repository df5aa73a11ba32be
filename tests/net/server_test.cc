// net::Server over real loopback sockets, with a line protocol small enough to read at once:
// "ping" is answered "pong"; "hold" is counted in flight and answered "done" once the test
// opens the gate. What a front end relies on: port 0, serving, the idle timeout, the
// in-flight count, a drain that waits for the request being served and then closes, and a
// stop() that any thread may call, any number of times, while the I/O threads run.
#include "net/server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <future>
#include <istream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace sluice::net {
namespace {

using asio::ip::tcp;
using namespace std::chrono_literals;

// Shared by the test and the protocol loops, which may outlive the test's Server.
struct Gate {
  std::atomic<bool> open{false};
  std::atomic<int> held{0};  // "hold" requests waiting at the gate
};

asio::awaitable<void> line_protocol(Connection& connection, std::shared_ptr<Gate> gate) {
  asio::streambuf input;
  while (true) {
    connection.arm_idle_timeout();
    co_await asio::async_read_until(connection.socket(), input, '\n', asio::use_awaitable);
    connection.disarm_idle_timeout();
    std::string line;
    std::istream(&input) >> line;
    input.consume(1);  // the '\n' that >> left
    std::string reply = "pong\n";
    {
      const Connection::RequestInFlight in_flight = connection.begin_request();
      if (line == "hold") {
        gate->held.fetch_add(1);
        asio::steady_timer poll(co_await asio::this_coro::executor);
        while (!gate->open.load()) {
          poll.expires_after(2ms);
          co_await poll.async_wait(asio::use_awaitable);
        }
        gate->held.fetch_sub(1);
        reply = "done\n";
      }
      co_await asio::async_write(connection.socket(), asio::buffer(reply), asio::use_awaitable);
    }
    if (connection.draining()) co_return;
  }
}

// Polls `condition` for up to 5 s.
template <typename Condition>
bool eventually(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

class NetServerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    gate_->open = true;
    if (server_) server_->stop();
    stop_io();
    server_.reset();
  }

  void start(std::chrono::milliseconds idle_timeout = 0ms, unsigned threads = 2) {
    ServerOptions options{.name = "test", .host = "127.0.0.1", .port = 0};
    options.idle_timeout = idle_timeout;
    server_ = std::make_unique<Server>(io_, options, [gate = gate_](Connection& connection) {
      return line_protocol(connection, gate);
    });
    ASSERT_TRUE(server_->start().is_ok());
    for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  void stop_io() {
    io_.stop();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
  }

  // A blocking client with a 5 s receive timeout, so that no test hangs.
  tcp::socket connect() {
    tcp::socket socket(client_io_);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    timeval timeout{5, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    return socket;
  }

  static std::string ask(tcp::socket& socket, const std::string& line) {
    asio::write(socket, asio::buffer(line + "\n"));
    return read_line(socket);
  }

  static std::string read_line(tcp::socket& socket) {
    std::string out;
    char c = 0;
    boost::system::error_code ec;
    while (asio::read(socket, asio::buffer(&c, 1), ec) == 1 && c != '\n') out += c;
    return out;
  }

  // True when the server closed the connection (end of stream) within the receive timeout.
  static bool closed_by_server(tcp::socket& socket) {
    char c = 0;
    boost::system::error_code ec;
    socket.read_some(asio::buffer(&c, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  asio::io_context io_;
  asio::io_context client_io_;
  std::vector<std::thread> threads_;
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
  std::unique_ptr<Server> server_;
};

TEST_F(NetServerTest, PortZeroPicksAFreePortAndServesOnIt) {
  start();
  EXPECT_NE(server_->port(), 0);
  tcp::socket first = connect();
  tcp::socket second = connect();
  EXPECT_EQ(ask(first, "ping"), "pong");
  EXPECT_EQ(ask(second, "ping"), "pong");
  EXPECT_EQ(ask(first, "ping"), "pong");
  EXPECT_EQ(server_->open_connections(), 2u);
  first.close();
  EXPECT_TRUE(eventually([&] { return server_->open_connections() == 1; }));
}

TEST_F(NetServerTest, BindingAPortInUseFailsNamingTheListener) {
  start();
  Server other(io_, ServerOptions{.name = "other", .port = server_->port()},
               [](Connection&) -> asio::awaitable<void> { co_return; });
  const Status status = other.start();
  EXPECT_EQ(status.code(), StatusCode::kIoError);
  EXPECT_NE(status.message().find("other listener 127.0.0.1:"), std::string::npos)
      << status.message();
}

TEST_F(NetServerTest, IdleConnectionIsClosedAfterTheTimeout) {
  start(200ms);
  tcp::socket socket = connect();
  EXPECT_EQ(ask(socket, "ping"), "pong");  // a request re-arms the timer
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(closed_by_server(socket));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_GE(elapsed, 150ms);
  EXPECT_LT(elapsed, 3s);
  EXPECT_TRUE(eventually([&] { return server_->open_connections() == 0; }));
}

TEST_F(NetServerTest, RequestBeingServedIsNotCutByTheIdleTimeout) {
  start(100ms);
  tcp::socket socket = connect();
  asio::write(socket, asio::buffer(std::string("hold\n")));
  ASSERT_TRUE(eventually([&] { return gate_->held == 1; }));
  std::this_thread::sleep_for(300ms);  // three idle timeouts while the request is served
  gate_->open = true;
  EXPECT_EQ(read_line(socket), "done");
}

TEST_F(NetServerTest, CountsRequestsInFlightUntilAnswered) {
  start();
  tcp::socket first = connect();
  tcp::socket second = connect();
  EXPECT_EQ(server_->requests_in_flight(), 0);
  asio::write(first, asio::buffer(std::string("hold\n")));
  asio::write(second, asio::buffer(std::string("hold\n")));
  ASSERT_TRUE(eventually([&] { return gate_->held == 2; }));
  EXPECT_EQ(server_->requests_in_flight(), 2);
  EXPECT_EQ(server_->open_connections(), 2u);
  gate_->open = true;
  EXPECT_EQ(read_line(first), "done");
  EXPECT_EQ(read_line(second), "done");
  EXPECT_TRUE(eventually([&] { return server_->requests_in_flight() == 0; }));
}

TEST_F(NetServerTest, DrainWaitsForTheRequestInFlightThenClosesItsConnection) {
  start();
  tcp::socket busy = connect();
  tcp::socket idle = connect();
  EXPECT_EQ(ask(idle, "ping"), "pong");
  asio::write(busy, asio::buffer(std::string("hold\n")));
  ASSERT_TRUE(eventually([&] { return gate_->held == 1; }));

  auto drained = std::async(std::launch::async, [&] { return drain({server_.get()}, 10s); });
  EXPECT_EQ(drained.wait_for(300ms), std::future_status::timeout);  // still serving
  gate_->open = true;
  EXPECT_EQ(drained.get(), 0);
  EXPECT_EQ(read_line(busy), "done");
  EXPECT_TRUE(closed_by_server(busy));
  // The idle connection still answers the request it sends next, then closes too.
  EXPECT_EQ(ask(idle, "ping"), "pong");
  EXPECT_TRUE(closed_by_server(idle));
  // And nobody new gets in.
  tcp::socket late(client_io_);
  boost::system::error_code ec;
  late.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()), ec);
  EXPECT_EQ(ec, asio::error::connection_refused);
}

TEST_F(NetServerTest, DrainGivesUpAtItsLimit) {
  start();
  tcp::socket socket = connect();
  asio::write(socket, asio::buffer(std::string("hold\n")));
  ASSERT_TRUE(eventually([&] { return gate_->held == 1; }));
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(drain({server_.get()}, 200ms), 1);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 200ms);
  server_->stop();
  EXPECT_TRUE(closed_by_server(socket));
  // The service call still runs (its socket is gone); the connection is forgotten once it
  // returns and its write fails.
  EXPECT_EQ(server_->open_connections(), 1u);
  gate_->open = true;
  EXPECT_TRUE(eventually([&] { return server_->open_connections() == 0; }));
  EXPECT_EQ(server_->requests_in_flight(), 0);
}

TEST_F(NetServerTest, StopIsIdempotentAndWorksBeforeStart) {
  Server never_started(io_, ServerOptions{.name = "test"},
                       [](Connection&) -> asio::awaitable<void> { co_return; });
  never_started.stop();
  never_started.stop();
  start();
  tcp::socket socket = connect();
  EXPECT_EQ(ask(socket, "ping"), "pong");
  server_->stop();
  server_->stop();
  EXPECT_TRUE(closed_by_server(socket));
  server_->stop();
  EXPECT_TRUE(eventually([&] { return server_->open_connections() == 0; }));
}

// The stop() race KafkaListener used to have: closing sockets from the main thread while the
// I/O threads read and write them. Under ASan/TSan this is the test that catches it.
TEST_F(NetServerTest, StopFromAnotherThreadWhileIoThreadsServe) {
  start(0ms, 4);
  constexpr int kClients = 8;
  std::atomic<bool> done{false};
  std::atomic<int> answers{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&] {
      asio::io_context io;
      tcp::socket socket(io);
      boost::system::error_code ec;
      socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()), ec);
      timeval timeout{5, 0};
      ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
      const std::string ping = "ping\n";
      char reply[5];
      while (!ec && !done) {
        asio::write(socket, asio::buffer(ping), ec);
        if (!ec) asio::read(socket, asio::buffer(reply), ec);
        if (!ec) answers.fetch_add(1);
      }
    });
  }
  ASSERT_TRUE(eventually([&] { return answers > 200; }));
  // From a thread that is neither an I/O thread nor the one that started the server.
  std::thread stopper([&] {
    server_->stop();
    server_->stop();
  });
  stopper.join();
  EXPECT_TRUE(eventually([&] { return server_->open_connections() == 0; }));
  done = true;
  for (auto& client : clients) client.join();
  // Destroyed while the I/O threads still run; nothing may touch it afterwards.
  server_.reset();
  std::this_thread::sleep_for(20ms);
}

TEST_F(NetServerTest, DestroyedAfterStopWhileARequestIsSuspended) {
  start();
  tcp::socket socket = connect();
  asio::write(socket, asio::buffer(std::string("hold\n")));
  ASSERT_TRUE(eventually([&] { return gate_->held == 1; }));
  // The I/O threads stop with the request's coroutine suspended at the gate; the server goes
  // first, its coroutine frames (and the RequestInFlight in one) with the io_context.
  stop_io();
  server_->stop();
  server_.reset();
  EXPECT_EQ(gate_->held, 1);
}

}  // namespace
}  // namespace sluice::net
