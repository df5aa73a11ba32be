// SqsListener over real sockets: keep-alive, the request size cap checked before the body
// is read, and the idle timeout that drops slow or silent connections.
#include "sqs/server/listener.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

namespace sluice::sqs::server {
namespace {

using asio::ip::tcp;

class SqsListenerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sqs_listener_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto manager = queues::QueueManager::open(dir_, {});
    ASSERT_TRUE(manager.is_ok()) << manager.status().to_string();
    manager_ = std::move(*manager);
    service_ = std::make_unique<SqsService>(*manager_, pool_, SqsServiceOptions{});
    SqsListenerOptions options;
    options.port = 0;
    options.max_request_bytes = 4096;
    options.idle_timeout = std::chrono::milliseconds(300);
    listener_ = std::make_unique<SqsListener>(io_, *service_, options);
    ASSERT_TRUE(listener_->start().is_ok());
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    listener_->stop();
    io_.stop();
    thread_.join();
    pool_.join();
    listener_.reset();
    service_.reset();
    EXPECT_TRUE(manager_->close().is_ok());
    std::filesystem::remove_all(dir_);
  }

  // A blocking client socket with a receive timeout, so that no test can hang.
  tcp::socket connect() {
    tcp::socket socket(client_io_);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), listener_->port()));
    timeval timeout{5, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    return socket;
  }

  // Reads until the peer closes (or 5 s pass); returns what arrived.
  static std::string read_all(tcp::socket& socket) {
    std::string out;
    char buffer[4096];
    boost::system::error_code ec;
    while (true) {
      const size_t n = socket.read_some(asio::buffer(buffer), ec);
      if (ec) break;
      out.append(buffer, n);
    }
    return out;
  }

  // Reads one response whose body ends with `tail`.
  static std::string read_until(tcp::socket& socket, const std::string& tail) {
    std::string out;
    char buffer[4096];
    boost::system::error_code ec;
    while (out.find(tail) == std::string::npos) {
      const size_t n = socket.read_some(asio::buffer(buffer), ec);
      if (ec) break;
      out.append(buffer, n);
    }
    return out;
  }

  static std::string post(const std::string& body) {
    return "POST / HTTP/1.1\r\nHost: h:1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  std::filesystem::path dir_;
  asio::io_context io_;
  asio::io_context client_io_;
  asio::thread_pool pool_{2};
  std::unique_ptr<queues::QueueManager> manager_;
  std::unique_ptr<SqsService> service_;
  std::unique_ptr<SqsListener> listener_;
  std::thread thread_;
};

TEST_F(SqsListenerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  tcp::socket socket = connect();
  asio::write(socket, asio::buffer(post("Action=CreateQueue&QueueName=q")));
  const std::string first = read_until(socket, "</CreateQueueResponse>");
  EXPECT_NE(first.find("HTTP/1.1 200"), std::string::npos) << first;
  EXPECT_NE(first.find("http://h:1/000000000000/q"), std::string::npos) << first;
  asio::write(socket, asio::buffer(post("Action=ListQueues")));
  const std::string second = read_until(socket, "</ListQueuesResponse>");
  EXPECT_NE(second.find("HTTP/1.1 200"), std::string::npos) << second;
  EXPECT_EQ(listener_->open_connections(), 1u);
}

TEST_F(SqsListenerTest, OversizedRequestIsRefusedBeforeItsBody) {
  tcp::socket socket = connect();
  // Only the header is sent: the reply must not wait for the 1 MB body.
  const std::string header =
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: 1000000\r\n\r\n";
  asio::write(socket, asio::buffer(header));
  const std::string reply = read_all(socket);
  // SQS's answer to a message over the largest MaximumMessageSize.
  EXPECT_NE(reply.find("HTTP/1.1 400"), std::string::npos) << reply;
  EXPECT_NE(reply.find("<Code>InvalidParameterValue</Code><Message>One or more parameters are "
                       "invalid. Reason: Message must be shorter than 1048576 bytes.</Message>"),
            std::string::npos)
      << reply;
}

TEST_F(SqsListenerTest, SilentConnectionIsClosedAfterTheIdleTimeout) {
  tcp::socket socket = connect();
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(read_all(socket), "");
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_GE(elapsed, std::chrono::milliseconds(250));
  EXPECT_LT(elapsed, std::chrono::seconds(3));
}

TEST_F(SqsListenerTest, HalfSentHeaderIsClosedAfterTheIdleTimeout) {
  tcp::socket socket = connect();
  asio::write(socket, asio::buffer(std::string("POST / HTTP/1.1\r\nHost: h\r\n")));
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(read_all(socket), "");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
}

}  // namespace
}  // namespace sluice::sqs::server
