// HTTP/1.1 over a net::Connection (Boost.Beast), the protocol loop the SQS and admin front
// ends share: keep-alive, one request at a time (answered in order), the header capped at
// 16 KiB, the body at max_body_bytes, and the server's idle timeout while waiting for a
// request, reading it or writing its reply (not while the handler works: a long poll may
// outlast it).
//
// An over-limit body is refused before it is read when Content-Length announces it, and
// as soon as it passes the limit when chunked: the handler's too_large() reply goes out and
// the connection closes, since the unread body would otherwise be taken for the next
// request. "Expect: 100-continue" is answered before the body is read. A draining server
// answers the request it is serving with Connection: close.
#pragma once

#include <boost/beast/http.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/asio.h"
#include "net/connection.h"

namespace sluice::net::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using RequestHeader = boost::beast::http::request_header<>;

// What a handler answers; the loop adds Server, Content-Length and Connection.
struct Reply {
  int status = 200;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

class Handler {
 public:
  virtual ~Handler() = default;
  // Runs on the connection's strand; must not block on the disk.
  virtual asio::awaitable<Reply> handle(const Request& request) = 0;
  // The reply to a request whose body is over the limit; only its header has been read.
  virtual Reply too_large(const RequestHeader& header) const = 0;
};

// Serves requests until the client closes, the idle timeout passes, a read or write fails,
// or a reply says Connection: close. `handler` is shared so that it lives as long as the loop.
asio::awaitable<void> serve(Connection& connection, std::shared_ptr<Handler> handler,
                            uint64_t max_body_bytes);

}  // namespace sluice::net::http
