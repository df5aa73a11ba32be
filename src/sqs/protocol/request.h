// An SQS request, protocol-neutral: the action, the protocol it came in (so the reply can be
// rendered in the same one) and its parameters by the service model's member names.
//
//   HttpRequestView http{.target = "/", .amz_target = headers["X-Amz-Target"], .body = body};
//   Result<SqsRequest> request = parse_request(http);
//   if (!request.is_ok()) reply = render_error(detect_protocol(http), ...);
//   request->action == "SendMessage"; request->string_param("MessageBody");
//   request->message_attributes(); request->entries()[0].string_param("Id");
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "sqs/protocol/params.h"
#include "sqs/protocol/protocol.h"

namespace sluice::sqs::protocol {

// The parts of an HTTP request the protocol layer reads. Views into the caller's buffers.
struct HttpRequestView {
  std::string_view target = "/";  // the request-target: path, then "?query" if any
  std::string_view amz_target;    // the X-Amz-Target header; empty when absent
  std::string_view body;
};

struct SqsRequest : Params {
  std::string action;
  Protocol protocol = Protocol::kQuery;
  // The request path without the query string: "/" when the client posts to the endpoint
  // (botocore, the JS SDK), the queue's own path when it posts to the queue URL (Java v1,
  // boto2).
  std::string path = "/";

  // QueueUrl when given; otherwise the path when it names a queue. The service identifies the
  // queue by the last path segment of either.
  std::optional<std::string> queue_url() const;

  bool operator==(const SqsRequest&) const = default;
};

// JSON when the X-Amz-Target header is present, else query.
Protocol detect_protocol(const HttpRequestView& http);

// Parses either protocol. Errors carry SQS codes (see errors.h): MalformedQueryString for a
// bad query, SerializationException for a bad JSON body, InvalidAction for an unknown or
// missing action, MissingParameter for an absent required member, InvalidParameterValue for
// a malformed value.
Result<SqsRequest> parse_request(const HttpRequestView& http);

// The query protocol: fields from the URL query string and the form body together.
Result<SqsRequest> parse_query_request(std::string_view target, std::string_view body);

// AWS JSON 1.0: `amz_target` is "AmazonSQS.<Action>"; an empty body reads as {}.
Result<SqsRequest> parse_json_request(std::string_view target, std::string_view amz_target,
                                      std::string_view body);

}  // namespace sluice::sqs::protocol
