// When a partition log makes appended bytes durable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sluice::storage {

struct FsyncPolicy {
  enum class Kind {
    kAlways,    // an append completes once its bytes are on disk; concurrent appends share
                // one fdatasync (group commit)
    kInterval,  // a LogFlusher syncs every interval_ms; an append completes once written
    kNever,     // the operating system decides; only a clean close syncs
  };
  Kind kind = Kind::kAlways;
  int64_t interval_ms = 0;

  static FsyncPolicy always() { return {Kind::kAlways, 0}; }
  static FsyncPolicy interval(int64_t ms) { return {Kind::kInterval, ms}; }
  static FsyncPolicy never() { return {Kind::kNever, 0}; }

  // Parses "always", "never" or "interval:<ms>" (ms > 0).
  static Result<FsyncPolicy> parse(std::string_view text);
  std::string to_string() const;
  bool operator==(const FsyncPolicy&) const = default;
};

}  // namespace sluice::storage
