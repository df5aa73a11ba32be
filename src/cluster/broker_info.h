// What a broker publishes about itself when it registers: its id, rack and the listeners
// clients and peers reach it on, as JSON in /sluice/<cluster>/brokers/<id>.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace sluice::cluster {

struct BrokerInfo {
  int32_t id = 0;
  std::string rack;  // empty when none was given
  // Listener name ("kafka", "sqs", "admin", "rpc") to "host:port".
  std::map<std::string, std::string> listeners;

  bool operator==(const BrokerInfo&) const = default;
};

std::string encode_broker_info(const BrokerInfo& info);
// nullopt when `json` is not a broker registration.
std::optional<BrokerInfo> decode_broker_info(const std::string& json);

}  // namespace sluice::cluster
