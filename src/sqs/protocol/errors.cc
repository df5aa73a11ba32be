#include "sqs/protocol/errors.h"

#include <array>
#include <nlohmann/json.hpp>

#include "sqs/protocol/xml_writer.h"

namespace sluice::sqs::protocol {
namespace {

constexpr std::string_view kShapeNamespace = "com.amazonaws.sqs#";
// make_error's mark inside a Status message: "[sqs:<shape>] <message>".
constexpr std::string_view kMarkPrefix = "[sqs:";
constexpr std::string_view kNoQueueJson = "The specified queue does not exist.";
constexpr std::string_view kNoQueueQuery =
    "The specified queue does not exist for this wsdl version.";

struct Entry {
  ErrorCode code;
  ErrorInfo info;
};

constexpr std::array kErrors = {
    Entry{ErrorCode::kQueueDoesNotExist,
          {400, "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", true}},
    Entry{ErrorCode::kQueueNameExists, {400, "QueueAlreadyExists", "QueueNameExists", true}},
    Entry{ErrorCode::kQueueDeletedRecently,
          {400, "AWS.SimpleQueueService.QueueDeletedRecently", "QueueDeletedRecently", true}},
    Entry{ErrorCode::kMessageNotInflight,
          {400, "AWS.SimpleQueueService.MessageNotInflight", "MessageNotInflight", true}},
    Entry{ErrorCode::kUnsupportedOperation,
          {400, "AWS.SimpleQueueService.UnsupportedOperation", "UnsupportedOperation", true}},
    Entry{ErrorCode::kTooManyEntriesInBatchRequest,
          {400, "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
           "TooManyEntriesInBatchRequest", true}},
    Entry{ErrorCode::kEmptyBatchRequest,
          {400, "AWS.SimpleQueueService.EmptyBatchRequest", "EmptyBatchRequest", true}},
    Entry{
        ErrorCode::kBatchEntryIdsNotDistinct,
        {400, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "BatchEntryIdsNotDistinct", true}},
    Entry{ErrorCode::kBatchRequestTooLong,
          {400, "AWS.SimpleQueueService.BatchRequestTooLong", "BatchRequestTooLong", true}},
    Entry{ErrorCode::kInvalidBatchEntryId,
          {400, "AWS.SimpleQueueService.InvalidBatchEntryId", "InvalidBatchEntryId", true}},
    Entry{ErrorCode::kPurgeQueueInProgress,
          {403, "AWS.SimpleQueueService.PurgeQueueInProgress", "PurgeQueueInProgress", true}},
    Entry{ErrorCode::kReceiptHandleIsInvalid,
          {404, "ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", true}},
    Entry{ErrorCode::kInvalidAddress, {404, "InvalidAddress", "InvalidAddress", true}},
    Entry{ErrorCode::kResourceNotFoundException,
          {404, "ResourceNotFoundException", "ResourceNotFoundException", true}},
    Entry{ErrorCode::kOverLimit, {403, "OverLimit", "OverLimit", true}},
    Entry{ErrorCode::kRequestThrottled, {403, "RequestThrottled", "RequestThrottled", true}},
    Entry{ErrorCode::kInvalidSecurity, {403, "InvalidSecurity", "InvalidSecurity", true}},
    Entry{ErrorCode::kInvalidAttributeName,
          {400, "InvalidAttributeName", "InvalidAttributeName", true}},
    Entry{ErrorCode::kInvalidAttributeValue,
          {400, "InvalidAttributeValue", "InvalidAttributeValue", true}},
    Entry{ErrorCode::kInvalidMessageContents,
          {400, "InvalidMessageContents", "InvalidMessageContents", true}},
    Entry{ErrorCode::kInvalidIdFormat, {400, "InvalidIdFormat", "InvalidIdFormat", true}},
    Entry{ErrorCode::kInvalidParameterValue,
          {400, "InvalidParameterValue", "InvalidParameterValue", true}},
    Entry{ErrorCode::kMissingParameter, {400, "MissingParameter", "MissingParameter", true}},
    Entry{ErrorCode::kInvalidAction, {400, "InvalidAction", "InvalidAction", true}},
    Entry{ErrorCode::kMalformedQueryString,
          {400, "MalformedQueryString", "MalformedQueryString", true}},
    Entry{ErrorCode::kSerializationException,
          {400, "SerializationException", "SerializationException", true}},
    Entry{ErrorCode::kInvalidClientTokenId,
          {403, "InvalidClientTokenId", "InvalidClientTokenId", true}},
    Entry{ErrorCode::kSignatureDoesNotMatch,
          {403, "SignatureDoesNotMatch", "SignatureDoesNotMatch", true}},
    Entry{ErrorCode::kMissingAuthenticationToken,
          {403, "MissingAuthenticationToken", "MissingAuthenticationToken", true}},
    Entry{ErrorCode::kInternalError, {500, "InternalError", "InternalError", false}},
    Entry{ErrorCode::kServiceUnavailable, {503, "ServiceUnavailable", "ServiceUnavailable", false}},
};

const Entry* find_by_shape(std::string_view shape) {
  for (const Entry& entry : kErrors) {
    if (entry.info.shape == shape) return &entry;
  }
  return nullptr;
}

StatusCode status_kind(ErrorCode code) {
  switch (code) {
    case ErrorCode::kQueueDoesNotExist:
    case ErrorCode::kResourceNotFoundException:
      return StatusCode::kNotFound;
    case ErrorCode::kQueueNameExists:
      return StatusCode::kAlreadyExists;
    case ErrorCode::kBatchRequestTooLong:
    case ErrorCode::kTooManyEntriesInBatchRequest:
    case ErrorCode::kOverLimit:
      return StatusCode::kTooLarge;
    case ErrorCode::kQueueDeletedRecently:
    case ErrorCode::kMessageNotInflight:
    case ErrorCode::kPurgeQueueInProgress:
    case ErrorCode::kRequestThrottled:
      return StatusCode::kFailedPrecondition;
    case ErrorCode::kInternalError:
      return StatusCode::kIoError;
    case ErrorCode::kServiceUnavailable:
      return StatusCode::kStorageFull;
    default:
      return StatusCode::kInvalidArgument;
  }
}

ErrorCode code_for_kind(StatusCode kind) {
  switch (kind) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kTooLarge:
    case StatusCode::kOutOfRange:
      return ErrorCode::kInvalidParameterValue;
    case StatusCode::kNotFound:
      return ErrorCode::kResourceNotFoundException;
    case StatusCode::kAlreadyExists:
      return ErrorCode::kQueueNameExists;
    case StatusCode::kStorageFull:
      return ErrorCode::kServiceUnavailable;
    default:
      return ErrorCode::kInternalError;
  }
}

}  // namespace

const ErrorInfo& error_info(ErrorCode code) {
  for (const Entry& entry : kErrors) {
    if (entry.code == code) return entry.info;
  }
  return kErrors.back().info;  // unreachable: every enumerator has an entry (tested)
}

std::string json_error_type(ErrorCode code) {
  return std::string(kShapeNamespace) + std::string(error_info(code).shape);
}

std::string query_error_header(ErrorCode code) {
  const ErrorInfo& info = error_info(code);
  return std::string(info.query_code) + (info.sender_fault ? ";Sender" : ";Receiver");
}

Status make_error(ErrorCode code, std::string message) {
  std::string marked(kMarkPrefix);
  marked += error_info(code).shape;
  marked += "] ";
  marked += message;
  switch (status_kind(code)) {
    case StatusCode::kNotFound:
      return Status::not_found(std::move(marked));
    case StatusCode::kAlreadyExists:
      return Status::already_exists(std::move(marked));
    case StatusCode::kTooLarge:
      return Status::too_large(std::move(marked));
    case StatusCode::kFailedPrecondition:
      return Status::failed_precondition(std::move(marked));
    case StatusCode::kIoError:
      return Status::io_error(std::move(marked));
    case StatusCode::kStorageFull:
      return Status::storage_full(std::move(marked));
    default:
      return Status::invalid_argument(std::move(marked));
  }
}

Status queue_does_not_exist() {
  return make_error(ErrorCode::kQueueDoesNotExist, std::string(kNoQueueJson));
}

Status invalid_receipt_handle(std::string_view handle) {
  return make_error(
      ErrorCode::kReceiptHandleIsInvalid,
      "The input receipt handle \"" + std::string(handle) + "\" is not a valid receipt handle.");
}

std::string invalid_receipt_handle_in_batch(std::string_view handle) {
  return "The receipt handle \"" + std::string(handle) + "\" is not valid for this queue.";
}

Status missing_parameter(std::string_view name) {
  return make_error(ErrorCode::kMissingParameter,
                    "The request must contain the parameter " + std::string(name) + ".");
}

SqsError error_from_status(const Status& status) {
  std::string_view message = status.message();
  if (message.starts_with(kMarkPrefix)) {
    const size_t close = message.find("] ");
    if (close != std::string_view::npos) {
      const std::string_view shape = message.substr(kMarkPrefix.size(), close - kMarkPrefix.size());
      if (const Entry* entry = find_by_shape(shape)) {
        return {entry->code, std::string(message.substr(close + 2))};
      }
    }
  }
  return {code_for_kind(status.code()), std::string(message)};
}

HttpReply render_error(Protocol protocol, const SqsError& error, std::string_view request_id) {
  const ErrorInfo& info = error_info(error.code);
  std::string_view message = error.message;
  if (error.code == ErrorCode::kQueueDoesNotExist) {
    message = protocol == Protocol::kJson ? kNoQueueJson : kNoQueueQuery;
  }
  HttpReply reply;
  reply.status = info.http_status;
  reply.content_type = std::string(response_content_type(protocol));
  reply.headers.emplace_back("x-amzn-RequestId", std::string(request_id));
  if (protocol == Protocol::kJson) {
    reply.headers.emplace_back("x-amzn-query-error", query_error_header(error.code));
    const nlohmann::json body = {{"__type", json_error_type(error.code)}, {"message", message}};
    reply.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return reply;
  }
  std::string& out = reply.body;
  out = "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"";
  out += kXmlNamespace;
  out += "\"><Error>";
  append_xml_element(out, "Type", info.sender_fault ? "Sender" : "Receiver");
  append_xml_element(out, "Code", info.query_code);
  append_xml_element(out, "Message", message);
  out += "<Detail/></Error>";
  append_xml_element(out, "RequestId", request_id);
  out += "</ErrorResponse>";
  return reply;
}

}  // namespace sluice::sqs::protocol
