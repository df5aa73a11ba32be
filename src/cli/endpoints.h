// Where the CLI connects. Each endpoint comes from, in order: its flag, its environment
// variable (SLUICE_BROKERS, SLUICE_SQS_ENDPOINT, SLUICE_ADMIN_URL), the profile file
// (~/.config/sluice/config.toml, or $SLUICE_CONFIG), then the embedded defaults that a bare
// `sluice serve` listens on.
#pragma once

#include <filesystem>
#include <string>

namespace sluice::cli {

struct Endpoints {
  std::string brokers;       // Kafka bootstrap "host:port,..."
  std::string sqs_endpoint;  // "http://host:port"
  std::string admin_url;     // "http://host:port"
};

// Values given on the command line; empty means "not given".
struct EndpointFlags {
  std::string brokers;
  std::string sqs_endpoint;
  std::string admin_url;
};

// The profile file's keys are brokers, sqs_endpoint and admin_url; any other key, or a value
// that is not a string, is a usage error naming it. A missing file is no error.
Endpoints resolve_endpoints(const EndpointFlags& flags);

// $SLUICE_CONFIG, else $XDG_CONFIG_HOME/sluice/config.toml, else ~/.config/sluice/config.toml.
std::filesystem::path profile_path();

}  // namespace sluice::cli
