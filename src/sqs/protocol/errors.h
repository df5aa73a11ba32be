// SQS's error codes, one place. Each code has three spellings on the wire: the query
// protocol's <Code> (e.g. AWS.SimpleQueueService.NonExistentQueue), the JSON protocol's
// `__type` (the model's shape name, e.g. com.amazonaws.sqs#QueueDoesNotExist) and the
// `x-amzn-query-error` header ("<query code>;Sender"), from which SDKs in query-compatible
// mode take the code they raise. Sources: the service model's awsQueryError traits and
// notes/sqs-compat.md section 2.4.
//
// Code below the front end reports errors as a sluice::Status; an SQS error travels inside
// one (make_error) and is recovered by error_from_status, which also gives a sensible SQS
// error for plain Statuses from lower layers.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "sqs/protocol/protocol.h"

namespace sluice::sqs::protocol {

enum class ErrorCode {
  // Modelled errors (shapes in the service model).
  kQueueDoesNotExist,
  kQueueNameExists,
  kQueueDeletedRecently,
  kMessageNotInflight,
  kUnsupportedOperation,
  kTooManyEntriesInBatchRequest,
  kEmptyBatchRequest,
  kBatchEntryIdsNotDistinct,
  kBatchRequestTooLong,
  kInvalidBatchEntryId,
  kPurgeQueueInProgress,
  kReceiptHandleIsInvalid,
  kInvalidAddress,
  kResourceNotFoundException,
  kOverLimit,
  kRequestThrottled,
  kInvalidSecurity,
  kInvalidAttributeName,
  kInvalidAttributeValue,
  kInvalidMessageContents,
  kInvalidIdFormat,
  // Errors common to AWS query services, not modelled.
  kInvalidParameterValue,
  kMissingParameter,
  kInvalidAction,
  kMalformedQueryString,
  kSerializationException,
  kInvalidClientTokenId,
  kSignatureDoesNotMatch,
  kMissingAuthenticationToken,
  kInternalError,
  // 503: a full disk. SDKs retry it (a transient server error), and appends resume by
  // themselves once space is back.
  kServiceUnavailable,
};

struct ErrorInfo {
  int http_status;
  std::string_view query_code;  // <Code> in XML and the first half of x-amzn-query-error
  std::string_view shape;       // JSON `__type` after "com.amazonaws.sqs#"
  bool sender_fault;            // <Type>Sender</Type>, else Receiver
};

const ErrorInfo& error_info(ErrorCode code);

// "com.amazonaws.sqs#QueueDoesNotExist"
std::string json_error_type(ErrorCode code);
// "AWS.SimpleQueueService.NonExistentQueue;Sender"
std::string query_error_header(ErrorCode code);

struct SqsError {
  ErrorCode code;
  std::string message;
  bool operator==(const SqsError&) const = default;
};

// QueueDoesNotExist, worded as SQS answers the JSON protocol ("The specified queue does not
// exist."). render_error words it for the request's protocol whatever the message says: the
// query protocol's text is "The specified queue does not exist for this wsdl version.", and
// neither names the queue.
Status queue_does_not_exist();

// ReceiptHandleIsInvalid for a handle that no receive of this queue issued, worded as SQS
// answers DeleteMessage and ChangeMessageVisibility:
// The input receipt handle "<handle>" is not a valid receipt handle.
Status invalid_receipt_handle(std::string_view handle);
// The same refusal as SQS words it inside a batch's failed entry:
// The receipt handle "<handle>" is not valid for this queue.
std::string invalid_receipt_handle_in_batch(std::string_view handle);

// MissingParameter as SQS words it: "The request must contain the parameter <name>."
Status missing_parameter(std::string_view name);

// A non-OK Status carrying `code`. The Status kind follows the code (kNotFound for a missing
// queue, kInvalidArgument for bad input, ...) so generic code can still reason about it.
Status make_error(ErrorCode code, std::string message);

// The SQS error a Status stands for: the code make_error put in, or for a Status from
// another layer the closest SQS error by kind (InvalidParameterValue for bad arguments,
// InternalError for I/O failures). REQUIRES: !status.is_ok()
SqsError error_from_status(const Status& status);

// An HTTP reply, protocol-shaped, ready for the front end to send.
struct HttpReply {
  int status = 200;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// The error reply in the request's protocol: XML <ErrorResponse> for query; JSON
// {"__type","message"} plus the x-amzn-query-error header for JSON. Both carry
// x-amzn-RequestId.
HttpReply render_error(Protocol protocol, const SqsError& error, std::string_view request_id);

}  // namespace sluice::sqs::protocol
