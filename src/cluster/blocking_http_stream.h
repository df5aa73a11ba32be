// One TCP connection speaking HTTP/1.1 through Boost.Beast with blocking calls that honour a
// deadline. (Beast's synchronous calls ignore tcp_stream's expiry, so each call here runs the
// asynchronous form on the stream's own io_context until it completes or the deadline closes
// the socket.) The etcd transport and the etcd watch stream use it from their own threads.
//
// Thread-safety: one thread makes the calls; interrupt() may be called from any thread and
// makes the call in progress, and every later one, fail with operation_aborted.
#pragma once

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <mutex>
#include <string>

#include "common/asio.h"

namespace sluice::cluster {

class BlockingHttpStream {
 public:
  using Clock = std::chrono::steady_clock;
  using ErrorCode = boost::beast::error_code;
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  using Response = boost::beast::http::response<boost::beast::http::string_body>;
  using Parser = boost::beast::http::response_parser<boost::beast::http::string_body>;

  BlockingHttpStream() = default;
  BlockingHttpStream(const BlockingHttpStream&) = delete;
  BlockingHttpStream& operator=(const BlockingHttpStream&) = delete;

  // Clock::time_point::max() as a deadline means "no deadline".
  ErrorCode connect(const std::string& host, const std::string& port, Clock::time_point deadline);
  ErrorCode write(Request& request, Clock::time_point deadline);
  ErrorCode read(Response& response, Clock::time_point deadline);
  // For a streamed body: the header first, then whatever part of the body arrives next
  // (appended to the parser's body).
  ErrorCode read_header(Parser& parser, Clock::time_point deadline);
  ErrorCode read_some(Parser& parser, Clock::time_point deadline);

  void interrupt();
  void close();

 private:
  template <typename Start>
  ErrorCode run(Clock::time_point deadline, Start start);

  asio::io_context io_;
  boost::beast::tcp_stream stream_{io_};
  boost::beast::flat_buffer buffer_;
  std::mutex mu_;
  bool interrupted_ = false;
};

}  // namespace sluice::cluster
