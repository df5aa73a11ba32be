#include "storage/fsync_policy.h"

#include <charconv>

namespace sluice::storage {

Result<FsyncPolicy> FsyncPolicy::parse(std::string_view text) {
  if (text == "always") return always();
  if (text == "never") return never();
  constexpr std::string_view kIntervalPrefix = "interval:";
  if (text.starts_with(kIntervalPrefix)) {
    const std::string_view number = text.substr(kIntervalPrefix.size());
    int64_t ms = 0;
    auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), ms);
    if (error == std::errc() && end == number.data() + number.size() && ms > 0) {
      return interval(ms);
    }
  }
  return Status::invalid_argument("fsync policy '" + std::string(text) +
                                  "' is not one of always, never, interval:<ms> (ms > 0)");
}

std::string FsyncPolicy::to_string() const {
  switch (kind) {
    case Kind::kAlways:
      return "always";
    case Kind::kNever:
      return "never";
    case Kind::kInterval:
      return "interval:" + std::to_string(interval_ms);
  }
  return "unknown";
}

}  // namespace sluice::storage
