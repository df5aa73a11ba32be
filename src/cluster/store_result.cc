#include "cluster/store_result.h"

namespace sluice::cluster {

std::string_view store_errc_name(StoreErrc code) {
  switch (code) {
    case StoreErrc::kOk:
      return "ok";
    case StoreErrc::kConflict:
      return "conflict";
    case StoreErrc::kUnavailable:
      return "unavailable";
    case StoreErrc::kLeaseExpired:
      return "lease expired";
    case StoreErrc::kCompacted:
      return "compacted";
    case StoreErrc::kInvalidArgument:
      return "invalid argument";
    case StoreErrc::kProtocol:
      return "protocol error";
  }
  return "unknown";
}

std::string StoreStatus::to_string() const {
  if (is_ok()) return "ok";
  std::string out(store_errc_name(code_));
  if (!message_.empty()) out += ": " + message_;
  return out;
}

}  // namespace sluice::cluster
