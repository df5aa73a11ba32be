#include "common/status.h"

#include <cerrno>
#include <cstring>

namespace sluice {

std::string_view status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kInvalidArgument:
      return "InvalidArgument";
    case StatusCode::kCorruption:
      return "Corruption";
    case StatusCode::kTooLarge:
      return "TooLarge";
    case StatusCode::kNotFound:
      return "NotFound";
    case StatusCode::kOutOfRange:
      return "OutOfRange";
    case StatusCode::kAlreadyExists:
      return "AlreadyExists";
    case StatusCode::kFailedPrecondition:
      return "FailedPrecondition";
    case StatusCode::kIoError:
      return "IoError";
    case StatusCode::kStorageFull:
      return "StorageFull";
    case StatusCode::kOutOfOrderSequence:
      return "OutOfOrderSequence";
    case StatusCode::kProducerFenced:
      return "ProducerFenced";
    case StatusCode::kUnknownProducer:
      return "UnknownProducer";
    case StatusCode::kNotLeader:
      return "NotLeader";
    case StatusCode::kUnavailable:
      return "Unavailable";
    case StatusCode::kNotEnoughReplicas:
      return "NotEnoughReplicas";
    case StatusCode::kNotEnoughReplicasAfterAppend:
      return "NotEnoughReplicasAfterAppend";
  }
  return "Unknown";
}

Status Status::from_errno(std::string_view context, int err) {
  std::string msg(context);
  msg += ": ";
  msg += std::strerror(err);
  if (err == ENOSPC || err == EDQUOT) return storage_full(std::move(msg));
  return io_error(std::move(msg));
}

std::string Status::to_string() const {
  if (is_ok()) return "OK";
  std::string out(status_code_name(code_));
  out += ": ";
  out += message_;
  return out;
}

}  // namespace sluice
