#include "sqs/server/listener.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string_view>

#include "net/http/http_connection.h"
#include "queues/stored_message.h"
#include "sqs/protocol/errors.h"
#include "sqs/protocol/validation.h"

namespace sluice::sqs::server {

namespace {

std::string_view to_std(boost::beast::string_view view) {
  return std::string_view(view.data(), view.size());
}

net::http::Reply to_reply(protocol::HttpReply reply) {
  return net::http::Reply{reply.status, std::move(reply.content_type), std::move(reply.headers),
                          std::move(reply.body)};
}

class SqsHttpHandler final : public net::http::Handler {
 public:
  SqsHttpHandler(SqsService& service, SqsListenerOptions options)
      : service_(service), options_(std::move(options)) {}

  asio::awaitable<net::http::Reply> handle(const net::http::Request& request) override {
    const protocol::HttpRequestView view{.target = to_std(request.target()),
                                         .amz_target = to_std(request["X-Amz-Target"]),
                                         .body = request.body()};
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    if (auto refused = authenticate(request, options_.access_keys, now_ms)) {
      co_return to_reply(std::move(*refused));
    }
    std::string host(to_std(request[boost::beast::http::field::host]));
    protocol::HttpReply reply = co_await service_.handle(view, std::move(host));
    co_return to_reply(std::move(reply));
  }

  // In the request's protocol, told from its header. A body this large holds a message over
  // the largest MaximumMessageSize, so the answer is the error SQS gives such a message (the
  // queue, named in the unread body, is unknown: its limit is taken as the largest).
  net::http::Reply too_large(const net::http::RequestHeader& header) const override {
    const protocol::HttpRequestView view{.target = to_std(header.target()),
                                         .amz_target = to_std(header["X-Amz-Target"]),
                                         .body = {}};
    protocol::HttpReply reply = protocol::render_error(
        protocol::detect_protocol(view),
        protocol::SqsError{protocol::ErrorCode::kInvalidParameterValue,
                           "One or more parameters are invalid. Reason: Message must be shorter "
                           "than " +
                               std::to_string(protocol::kMaxMessageSizeLimit) + " bytes."},
        queues::new_message_id());
    return to_reply(std::move(reply));
  }

  uint64_t max_body_bytes() const { return static_cast<uint64_t>(options_.max_request_bytes); }

 private:
  SqsService& service_;
  const SqsListenerOptions options_;
};

net::ConnectionHandler http_loop(SqsService& service, SqsListenerOptions options) {
  auto handler = std::make_shared<SqsHttpHandler>(service, std::move(options));
  return [handler](net::Connection& connection) {
    return net::http::serve(connection, handler, handler->max_body_bytes());
  };
}

}  // namespace

SqsListener::SqsListener(asio::io_context& io, SqsService& service, SqsListenerOptions options)
    : net::Server(io,
                  net::ServerOptions{.name = "sqs",
                                     .host = options.host,
                                     .port = options.port,
                                     .idle_timeout = options.idle_timeout},
                  http_loop(service, options)) {}

}  // namespace sluice::sqs::server
