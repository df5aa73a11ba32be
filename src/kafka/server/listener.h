// The Kafka protocol listener: serves each connection a net::Server accepts as a sequence
// of size-prefixed request frames, handing every request to a RequestDispatcher and writing
// its response back (size and header gathered in front of the body, file ranges the body
// splices in sent with sendfile).
//
// Like Kafka, a connection processes one request at a time: requests a client pipelines
// wait in the socket until the previous response is written, so responses always leave in
// request order. A frame that cannot be parsed closes that one connection, with a log line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/asio.h"
#include "common/status.h"
#include "kafka/protocol/header.h"
#include "kafka/protocol/records_splicer.h"
#include "net/server.h"

namespace sluice::kafka::server {

// What a connection hands to the broker for each request.
struct Request {
  protocol::RequestHeader header;
  // The whole frame (header and body), owned for the duration of the call; handlers may
  // modify it in place (Produce stamps record batches where they arrived).
  std::string* frame = nullptr;
  size_t body_offset = 0;
  std::string client_address;

  std::string_view body() const { return std::string_view(*frame).substr(body_offset); }
};

// An encoded response body. Its bytes are sent in order with each splice's file range
// inserted at its position (ascending): a Fetch response's records, sent from the segment
// files. Implicit from the bytes, so that handlers without splices return a string.
struct ResponseBody {
  ResponseBody(std::string bytes) : bytes(std::move(bytes)) {}  // NOLINT: implicit by design
  ResponseBody(std::string bytes, std::vector<protocol::Splice> splices)
      : bytes(std::move(bytes)), splices(std::move(splices)) {}

  // What goes on the wire: bytes.size() plus every range's size.
  uint64_t size() const;

  std::string bytes;
  std::vector<protocol::Splice> splices;
};

class RequestDispatcher {
 public:
  virtual ~RequestDispatcher() = default;
  // The encoded response body (the connection adds the response header), nullopt when
  // the request gets no response (Produce with acks=0), or an error that closes the
  // connection (an undecodable body).
  virtual asio::awaitable<Result<std::optional<ResponseBody>>> dispatch(Request request) = 0;
};

struct ListenerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 9092;  // 0 picks a free port; see KafkaListener::port()
  int64_t max_request_bytes = 100 << 20;
};

// The Kafka protocol loop on a net::Server: start(), port(), stop_accepting(), stop(),
// open_connections() and requests_in_flight() are the server's (net/server.h).
class KafkaListener : public net::Server {
 public:
  // REQUIRES: `dispatcher` outlives the io_context's threads.
  KafkaListener(asio::io_context& io, RequestDispatcher& dispatcher, ListenerOptions options);
};

}  // namespace sluice::kafka::server
