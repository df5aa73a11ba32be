// The two wire protocols SQS clients speak. Debian's awscli 2.9 and boto3 1.26 use the query
// protocol (form-encoded requests, XML responses); @aws-sdk/client-sqs v3 and boto3 >= 1.34.90
// use AWS JSON 1.0. A server must answer each request in the protocol it arrived in.
#pragma once

#include <string_view>

namespace sluice::sqs::protocol {

enum class Protocol { kQuery, kJson };

// The Content-Type of responses (successes and errors) in each protocol.
inline std::string_view response_content_type(Protocol protocol) {
  return protocol == Protocol::kJson ? "application/x-amz-json-1.0" : "text/xml";
}

// The namespace of every query-protocol response document.
inline constexpr std::string_view kXmlNamespace = "http://queue.amazonaws.com/doc/2012-11-05/";

}  // namespace sluice::sqs::protocol
