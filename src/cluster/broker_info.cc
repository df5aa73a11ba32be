#include "cluster/broker_info.h"

#include <nlohmann/json.hpp>

namespace sluice::cluster {

std::string encode_broker_info(const BrokerInfo& info) {
  nlohmann::json json = {{"id", info.id}, {"listeners", info.listeners}};
  if (!info.rack.empty()) json["rack"] = info.rack;
  return json.dump();
}

std::optional<BrokerInfo> decode_broker_info(const std::string& text) {
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_object() || !json.contains("id") || !json["id"].is_number_integer())
    return std::nullopt;
  BrokerInfo info;
  info.id = json["id"].get<int32_t>();
  info.rack = json.value("rack", std::string());
  auto listeners = json.find("listeners");
  if (listeners != json.end() && listeners->is_object()) {
    for (const auto& [name, address] : listeners->items()) {
      if (address.is_string()) info.listeners[name] = address.get<std::string>();
    }
  }
  return info;
}

}  // namespace sluice::cluster
