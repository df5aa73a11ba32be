// The SQS HTTP/1.1 front end: hands each request to the SqsService and writes its reply
// back, over the shared HTTP loop (net/http/http_connection.h: keep-alive, one request at a
// time per connection, the 16 KiB header cap and the idle timeout) on a net::Server (each
// connection on its own strand).
//
// Resource limits: the whole request is capped at max_request_bytes, checked from
// Content-Length before the body is read (SQS's message-size error, InvalidParameterValue,
// then the connection closes); a connection that sends
// nothing for idle_timeout (while waiting for a request, reading one, or writing a reply) is
// closed, so slow or half-open clients do not hold a connection forever.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/asio.h"
#include "net/server.h"
#include "sqs/server/request_auth.h"
#include "sqs/server/sqs_service.h"

namespace sluice::sqs::server {

struct SqsListenerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 9324;  // 0 picks a free port; see SqsListener::port()
  // SQS messages and batches carry up to 1 MiB of payload; the encoding adds to that.
  int64_t max_request_bytes = 2 << 20;
  std::chrono::milliseconds idle_timeout{30000};
  // Empty: any signature is accepted. Otherwise requests must be SigV4-signed by one of
  // these keys (request_auth.h).
  AccessKeys access_keys;
};

// start(), port(), stop_accepting(), stop(), open_connections() and requests_in_flight() are
// the server's (net/server.h).
class SqsListener : public net::Server {
 public:
  // REQUIRES: `service` outlives the io_context's threads.
  SqsListener(asio::io_context& io, SqsService& service, SqsListenerOptions options);
};

}  // namespace sluice::sqs::server
