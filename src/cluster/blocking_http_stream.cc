#include "cluster/blocking_http_stream.h"

namespace sluice::cluster {

namespace http = boost::beast::http;

template <typename Start>
BlockingHttpStream::ErrorCode BlockingHttpStream::run(Clock::time_point deadline, Start start) {
  {
    std::lock_guard lock(mu_);
    if (interrupted_) return asio::error::operation_aborted;
  }
  if (deadline == Clock::time_point::max()) {
    stream_.expires_never();
  } else {
    stream_.expires_at(deadline);
  }
  ErrorCode result = asio::error::would_block;
  start([&result](ErrorCode ec, auto&&...) { result = ec; });
  io_.restart();
  io_.run();
  return result;
}

BlockingHttpStream::ErrorCode BlockingHttpStream::connect(const std::string& host,
                                                          const std::string& port,
                                                          Clock::time_point deadline) {
  ErrorCode ec;
  asio::ip::tcp::resolver resolver(io_);
  auto endpoints = resolver.resolve(host, port, ec);
  if (ec) return ec;
  return run(deadline, [&](auto handler) { stream_.async_connect(endpoints, handler); });
}

BlockingHttpStream::ErrorCode BlockingHttpStream::write(Request& request,
                                                        Clock::time_point deadline) {
  return run(deadline, [&](auto handler) { http::async_write(stream_, request, handler); });
}

BlockingHttpStream::ErrorCode BlockingHttpStream::read(Response& response,
                                                       Clock::time_point deadline) {
  return run(deadline,
             [&](auto handler) { http::async_read(stream_, buffer_, response, handler); });
}

BlockingHttpStream::ErrorCode BlockingHttpStream::read_header(Parser& parser,
                                                              Clock::time_point deadline) {
  return run(deadline,
             [&](auto handler) { http::async_read_header(stream_, buffer_, parser, handler); });
}

BlockingHttpStream::ErrorCode BlockingHttpStream::read_some(Parser& parser,
                                                            Clock::time_point deadline) {
  return run(deadline,
             [&](auto handler) { http::async_read_some(stream_, buffer_, parser, handler); });
}

void BlockingHttpStream::interrupt() {
  {
    std::lock_guard lock(mu_);
    interrupted_ = true;
  }
  // Runs inside the calling thread's io_.run() (or the next one), on the stream's own
  // thread, so the socket is never touched from two threads.
  asio::post(io_, [this] { stream_.cancel(); });
}

void BlockingHttpStream::close() {
  ErrorCode ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace sluice::cluster
