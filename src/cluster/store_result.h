// How the metadata store reports failure: its own small error kinds, so that the services on
// top (registration, election, the controller) decide what to do without seeing HTTP, JSON or
// etcd's gRPC codes. Mirrors common/status.h, with the kinds a coordination store needs.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sluice::cluster {

enum class StoreErrc {
  kOk,
  // A compare failed: a guard's revision no longer matches (someone else wrote first), or a
  // create found the key present. Re-read and decide again.
  kConflict,
  // The store could not be reached or did not answer in time. For a write this means "outcome
  // unknown": it may or may not have been applied.
  kUnavailable,
  // The lease named by the call has expired or been revoked; keys bound to it are gone.
  kLeaseExpired,
  // A watch or read asked for a revision the store has compacted away; re-read the current
  // state, then watch from its revision.
  kCompacted,
  kInvalidArgument,  // a malformed call (empty key, TTL out of range)
  kProtocol,         // the store answered something this client cannot understand
};

std::string_view store_errc_name(StoreErrc code);

class [[nodiscard]] StoreStatus {
 public:
  StoreStatus() = default;  // OK
  StoreStatus(StoreErrc code, std::string message) : code_(code), message_(std::move(message)) {}

  static StoreStatus ok() { return {}; }
  static StoreStatus conflict(std::string msg) { return {StoreErrc::kConflict, std::move(msg)}; }
  static StoreStatus unavailable(std::string msg) {
    return {StoreErrc::kUnavailable, std::move(msg)};
  }
  static StoreStatus lease_expired(std::string msg) {
    return {StoreErrc::kLeaseExpired, std::move(msg)};
  }
  static StoreStatus compacted(std::string msg) { return {StoreErrc::kCompacted, std::move(msg)}; }
  static StoreStatus invalid_argument(std::string msg) {
    return {StoreErrc::kInvalidArgument, std::move(msg)};
  }
  static StoreStatus protocol(std::string msg) { return {StoreErrc::kProtocol, std::move(msg)}; }

  bool is_ok() const { return code_ == StoreErrc::kOk; }
  StoreErrc code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string to_string() const;

 private:
  StoreErrc code_ = StoreErrc::kOk;
  std::string message_;
};

// A value, or the StoreStatus explaining why there is none.
template <typename T>
class [[nodiscard]] StoreResult {
 public:
  StoreResult(T value) : data_(std::move(value)) {}  // NOLINT: implicit, like std::expected
  StoreResult(StoreStatus status) : data_(std::move(status)) {  // NOLINT
    assert(!std::get<StoreStatus>(data_).is_ok() && "a StoreResult from a status is an error");
  }

  bool is_ok() const { return std::holds_alternative<T>(data_); }
  StoreStatus status() const { return is_ok() ? StoreStatus::ok() : std::get<StoreStatus>(data_); }
  StoreErrc code() const { return is_ok() ? StoreErrc::kOk : std::get<StoreStatus>(data_).code(); }

  // REQUIRES: is_ok()
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, StoreStatus> data_;
};

}  // namespace sluice::cluster
