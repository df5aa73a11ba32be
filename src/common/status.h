// Status and Result: how errors cross layer boundaries in Sluice.
//
// Code below the protocol front ends never throws across a layer boundary; it returns a
// Status (ok, or a kind plus a human-readable message) or a Result<T> (a value or a
// non-OK Status). The kinds are coarse on purpose: front ends map them to their own
// protocol's error codes (Kafka error numbers, SQS error names).
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sluice {

enum class StatusCode {
  kOk,
  kInvalidArgument,     // the caller's input is malformed or out of its allowed range
  kCorruption,          // bytes fail a structural or checksum check
  kTooLarge,            // a size limit was exceeded
  kNotFound,            // the named thing does not exist
  kOutOfRange,          // an offset or position outside what the log holds
  kAlreadyExists,       // creating something that exists
  kFailedPrecondition,  // the object is in a state that forbids the call (e.g. offline)
  kIoError,             // the operating system reported an I/O failure
  kStorageFull,         // no space left on the disk (ENOSPC, EDQUOT): retry once there is
  // Idempotent producers (record batch producer id, epoch and sequence):
  kOutOfOrderSequence,  // a gap or reordering in a producer's sequence numbers
  kProducerFenced,      // a batch from an older epoch of the producer id
  kUnknownProducer,     // a producer id the log has no state for, not starting at 0
  // Cluster mode:
  kNotLeader,    // this broker does not lead the partition (now, or in the epoch asked for)
  kUnavailable,  // a service the call needs (the metadata store) cannot be reached now: retry
  // Replication: fewer in-sync replicas than the partition's min.insync.replicas, found
  // before the write (nothing written) or once it was committed (written, but not on enough).
  kNotEnoughReplicas,
  kNotEnoughReplicasAfterAppend,
};

std::string_view status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK

  static Status ok() { return Status(); }
  static Status invalid_argument(std::string msg) {
    return {StatusCode::kInvalidArgument, std::move(msg)};
  }
  static Status corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status too_large(std::string msg) { return {StatusCode::kTooLarge, std::move(msg)}; }
  static Status not_found(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status out_of_range(std::string msg) { return {StatusCode::kOutOfRange, std::move(msg)}; }
  static Status already_exists(std::string msg) {
    return {StatusCode::kAlreadyExists, std::move(msg)};
  }
  static Status failed_precondition(std::string msg) {
    return {StatusCode::kFailedPrecondition, std::move(msg)};
  }
  static Status io_error(std::string msg) { return {StatusCode::kIoError, std::move(msg)}; }
  static Status storage_full(std::string msg) { return {StatusCode::kStorageFull, std::move(msg)}; }
  static Status out_of_order_sequence(std::string msg) {
    return {StatusCode::kOutOfOrderSequence, std::move(msg)};
  }
  static Status producer_fenced(std::string msg) {
    return {StatusCode::kProducerFenced, std::move(msg)};
  }
  static Status unknown_producer(std::string msg) {
    return {StatusCode::kUnknownProducer, std::move(msg)};
  }
  static Status not_leader(std::string msg) { return {StatusCode::kNotLeader, std::move(msg)}; }
  static Status unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status not_enough_replicas(std::string msg) {
    return {StatusCode::kNotEnoughReplicas, std::move(msg)};
  }
  static Status not_enough_replicas_after_append(std::string msg) {
    return {StatusCode::kNotEnoughReplicasAfterAppend, std::move(msg)};
  }
  // An I/O error carrying strerror(err) after the context, e.g. "pwrite 0.log: No space left
  // on device"; kStorageFull for ENOSPC and EDQUOT, kIoError for any other errno.
  static Status from_errno(std::string_view context, int err);

  bool is_ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string to_string() const;

 private:
  Status(StatusCode code, std::string msg) : code_(code), message_(std::move(msg)) {}

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value of type T, or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT: implicit by design, like std::expected
  Result(Status status) : data_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(data_).is_ok() && "a Result built from a Status must be an error");
  }

  bool is_ok() const { return std::holds_alternative<T>(data_); }
  Status status() const { return is_ok() ? Status::ok() : std::get<Status>(data_); }

  // REQUIRES: is_ok()
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace sluice

#define SLUICE_CONCAT_INNER(a, b) a##b
#define SLUICE_CONCAT(a, b) SLUICE_CONCAT_INNER(a, b)

// Returns from the enclosing function if `expr` (a Status) is not OK.
#define SLUICE_RETURN_IF_ERROR(expr)                    \
  do {                                                  \
    ::sluice::Status sluice_status_ = (expr);           \
    if (!sluice_status_.is_ok()) return sluice_status_; \
  } while (0)

// Evaluates `rexpr` (a Result<T>); on error returns its Status, else moves the value into `lhs`.
#define SLUICE_ASSIGN_OR_RETURN(lhs, rexpr) \
  SLUICE_ASSIGN_OR_RETURN_IMPL(SLUICE_CONCAT(sluice_result_, __LINE__), lhs, rexpr)
#define SLUICE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                 \
  if (!tmp.is_ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
