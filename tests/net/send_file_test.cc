// net::send_file over a real loopback connection: the whole range arrives, also when it is
// larger than the socket buffers (the EAGAIN path), and a file shorter than its range is an
// error after the bytes it has, never a silent success.
#include "net/send_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace sluice::net {
namespace {

using asio::ip::tcp;

struct TempFile {
  explicit TempFile(const std::string& contents) {
    char name[] = "/tmp/sluice-send-file-XXXXXX";
    fd = ::mkstemp(name);
    path = name;
    EXPECT_EQ(::write(fd, contents.data(), contents.size()), static_cast<ssize_t>(contents.size()));
  }
  ~TempFile() {
    ::close(fd);
    std::filesystem::remove(path);
  }
  int fd = -1;
  std::filesystem::path path;
};

struct Outcome {
  Status sent = Status::ok();
  std::string received;
};

// Sends `range` from one end of a loopback connection and reads the other end until the
// sender closes it.
Outcome send_and_receive(const FileRange& range) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  tcp::socket sender(io);
  tcp::socket receiver(io);
  receiver.connect(acceptor.local_endpoint());
  acceptor.accept(sender);
  Outcome outcome;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        outcome.sent = co_await send_file(sender, range);
        sender.close();
      },
      asio::detached);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        char buffer[64 * 1024];
        boost::system::error_code ec;
        while (!ec) {
          const size_t n = co_await receiver.async_read_some(
              asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
          outcome.received.append(buffer, n);
        }
      },
      asio::detached);
  io.run();
  return outcome;
}

std::string pattern(size_t size) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return out;
}

TEST(SendFile, SendsExactlyTheRange) {
  const std::string contents = pattern(10'000);
  TempFile file(contents);
  auto outcome = send_and_receive(FileRange{.fd = file.fd, .offset = 1234, .size = 5000});
  EXPECT_TRUE(outcome.sent.is_ok()) << outcome.sent.to_string();
  EXPECT_EQ(outcome.received, contents.substr(1234, 5000));
}

TEST(SendFile, RangeLargerThanTheSocketBuffersArrivesWhole) {
  const std::string contents = pattern(32 << 20);
  TempFile file(contents);
  auto outcome = send_and_receive(FileRange{.fd = file.fd, .offset = 0, .size = contents.size()});
  EXPECT_TRUE(outcome.sent.is_ok()) << outcome.sent.to_string();
  EXPECT_EQ(outcome.received.size(), contents.size());
  EXPECT_TRUE(outcome.received == contents);
}

TEST(SendFile, FileTruncatedUnderTheRangeIsAnErrorAfterWhatItHas) {
  const std::string contents = pattern(3000);
  TempFile file(contents);
  ASSERT_EQ(::ftruncate(file.fd, 1000), 0);
  auto outcome = send_and_receive(FileRange{.fd = file.fd, .offset = 500, .size = 2000});
  EXPECT_EQ(outcome.sent.code(), StatusCode::kOutOfRange);
  EXPECT_EQ(outcome.received, contents.substr(500, 500));
}

// A consumer that disconnects mid-response is an error on that connection (EPIPE), not a
// SIGPIPE that kills the broker.
TEST(SendFile, PeerThatClosedItsEndIsASocketErrorNotASignal) {
  const std::string contents = pattern(8 << 20);
  TempFile file(contents);
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  tcp::socket sender(io);
  tcp::socket receiver(io);
  receiver.connect(acceptor.local_endpoint());
  acceptor.accept(sender);
  receiver.close();
  bool threw = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        try {
          const Status status = co_await send_file(
              sender, FileRange{.fd = file.fd, .offset = 0, .size = contents.size()});
          ADD_FAILURE() << "sending to a closed peer returned " << status.to_string();
        } catch (const boost::system::system_error&) {
          threw = true;
        }
      },
      asio::detached);
  io.run();
  EXPECT_TRUE(threw);
}

}  // namespace
}  // namespace sluice::net
