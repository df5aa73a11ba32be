#include "cli/endpoints.h"

#include <toml++/toml.h>

#include <cstdlib>
#include <map>

#include "cli/cli_error.h"

namespace sluice::cli {

namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

std::map<std::string, std::string> read_profile(const std::filesystem::path& path) {
  std::map<std::string, std::string> values;
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return values;
  toml::table table;
  try {
    table = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    throw usage_error("profile " + path.string() + ": " + std::string(e.description()));
  }
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    if (name != "brokers" && name != "sqs_endpoint" && name != "admin_url") {
      throw usage_error("profile " + path.string() + ": unknown key '" + name +
                        "' (known: brokers, sqs_endpoint, admin_url)");
    }
    auto text = node.value<std::string>();
    if (!text) throw usage_error("profile " + path.string() + ": '" + name + "' must be a string");
    values[name] = *text;
  }
  return values;
}

std::string first_of(std::initializer_list<std::string> candidates) {
  for (const auto& candidate : candidates) {
    if (!candidate.empty()) return candidate;
  }
  return {};
}

}  // namespace

std::filesystem::path profile_path() {
  if (auto explicit_path = env("SLUICE_CONFIG"); !explicit_path.empty()) return explicit_path;
  if (auto xdg = env("XDG_CONFIG_HOME"); !xdg.empty()) {
    return std::filesystem::path(xdg) / "sluice" / "config.toml";
  }
  return std::filesystem::path(env("HOME")) / ".config" / "sluice" / "config.toml";
}

Endpoints resolve_endpoints(const EndpointFlags& flags) {
  auto profile = read_profile(profile_path());
  Endpoints endpoints;
  endpoints.brokers =
      first_of({flags.brokers, env("SLUICE_BROKERS"), profile["brokers"], "127.0.0.1:9092"});
  endpoints.sqs_endpoint = first_of({flags.sqs_endpoint, env("SLUICE_SQS_ENDPOINT"),
                                     profile["sqs_endpoint"], "http://127.0.0.1:9324"});
  endpoints.admin_url = first_of(
      {flags.admin_url, env("SLUICE_ADMIN_URL"), profile["admin_url"], "http://127.0.0.1:9644"});
  return endpoints;
}

}  // namespace sluice::cli
