// Sends a file range on a socket with sendfile(2): the bytes go from the page cache to the
// socket without passing through user space. Header-only: one small coroutine.
//
// Must run on the socket's strand, like every other operation on it.
#pragma once

#include <sys/sendfile.h>

#include <cerrno>
#include <csignal>
#include <string>

#include "common/asio.h"
#include "common/file_range.h"
#include "common/status.h"

namespace sluice::net {

// Sends all of `range`, waiting for the socket to drain when it is full. A socket error
// throws, as asio::async_write does. Returns an error, having sent a prefix, when the file
// ends before the range does (it was truncated under us): what is on the wire then no
// longer matches its framing, so the caller must close the connection.
inline asio::awaitable<Status> send_file(asio::ip::tcp::socket& socket, const FileRange& range) {
  // sendfile has no MSG_NOSIGNAL (asio's sends use it): a peer that closed its end would
  // kill the process with SIGPIPE instead of giving EPIPE. Ignored once, for the process.
  [[maybe_unused]] static const bool sigpipe_ignored = [] {
    ::signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  // sendfile must not block the network thread: EAGAIN hands the wait to the reactor.
  if (!socket.native_non_blocking()) socket.native_non_blocking(true);  // a syscall: once
  auto offset = static_cast<off_t>(range.offset);
  uint64_t left = range.size;
  while (left > 0) {
    const ssize_t sent = ::sendfile(socket.native_handle(), range.fd, &offset, left);
    if (sent > 0) {
      left -= static_cast<uint64_t>(sent);
      continue;
    }
    if (sent == 0) {
      co_return Status::out_of_range("file ended " + std::to_string(left) +
                                     " bytes before the range to send");
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      throw boost::system::system_error(errno, boost::system::system_category(), "sendfile");
    }
    co_await socket.async_wait(asio::ip::tcp::socket::wait_write, asio::use_awaitable);
  }
  co_return Status::ok();
}

}  // namespace sluice::net
