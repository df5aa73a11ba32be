// The configuration of `sluice serve`: every key in ONE table (config.cc), which gives each
// its TOML name, flag, environment variable (SLUICE_ + the key in capitals, dots as
// underscores), default and check. Precedence, lowest first: default, the TOML file
// (--config), the environment, the command line. --print-config shows the result and where
// each value came from. docs/configuration.md documents the keys.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace sluice::server {

struct ListenAddress {
  std::string host;
  uint16_t port = 0;
  std::string to_string() const { return host + ":" + std::to_string(port); }
};

// Parses "HOST:PORT" (HOST may be a bracketed IPv6 address); InvalidArgument names `flag`.
Result<ListenAddress> parse_listen_address(const std::string& text, const std::string& flag);

struct ServeOptions {
  std::string data_dir = "./data";
  std::string kafka_listen = "127.0.0.1:9092";
  std::string advertised_kafka;  // empty: the address the Kafka listener bound
  std::string sqs_listen = "127.0.0.1:9324";
  std::string advertised_sqs;  // HOST:PORT in queue URLs; empty: the request's Host header
  std::string sqs_account_id = "000000000000";
  std::string sqs_region = "us-east-1";
  // SigV4 verification: "ID:SECRET,..." and/or a file of ID:SECRET lines; none: any
  // signature passes.
  std::string sqs_access_keys;
  std::string sqs_access_keys_file;
  int64_t sqs_idle_timeout_ms = 30000;
  std::string admin_listen = "127.0.0.1:9644";
  std::string fsync = "always";
  int64_t default_partitions = 1;
  bool auto_create_topics = true;
  int64_t max_request_bytes = 100 << 20;
  int64_t retention_check_ms = 5 * 60 * 1000;
  int64_t group_initial_rebalance_delay_ms = 3000;
  std::string log_level = "info";
  std::string log_components;  // "storage=debug,kafka=warn"
  // How long a stop waits for in-flight requests before closing their connections.
  int64_t shutdown_drain_ms = 5000;
  // Cluster mode (docs/cluster.md): on when cluster_etcd names etcd's client URLs.
  int64_t node_id = 0;
  std::string cluster_etcd;  // "http://HOST:PORT[,...]"; empty: the embedded single node
  std::string cluster_name = "sluice";
  std::string cluster_rack;
  int64_t cluster_lease_ttl_s = 3;
  int64_t replica_lag_time_max_ms = 30000;
  // When set, the bound ports are written here once the listeners are open, as
  // "kafka=PORT", "sqs=PORT" and "admin=PORT" lines: tests start brokers on port 0 and read
  // the real ports back. A flag only (not a configuration key).
  std::string ports_file;
};

enum class ConfigSource { kDefault, kFile, kEnv, kFlag };
std::string source_name(ConfigSource source);

struct ConfigKey {
  std::string key;   // "kafka.listen": section.name in the TOML file
  std::string flag;  // "--kafka-listen"
  std::string help;
  enum class Kind { kString, kInteger, kBoolean } kind;
  // Parses and checks `text`, storing it in *options; InvalidArgument says why (the caller
  // adds the key and where the value came from).
  std::function<Status(const std::string& text, ServeOptions* options)> set;
  std::function<std::string(const ServeOptions& options)> get;

  std::string env() const;  // SLUICE_KAFKA_LISTEN
};

// Every key, in documentation order.
const std::vector<ConfigKey>& config_keys();

// Where the raw values come from before they are checked: key -> text.
struct ConfigInputs {
  std::optional<std::string> file;           // a --config path
  std::map<std::string, std::string> flags;  // given on the command line
  std::map<std::string, std::string> env;    // SLUICE_* variables that name keys
};

struct Config {
  ServeOptions options;
  std::map<std::string, ConfigSource> sources;  // key -> where its value came from
};

// Reads the environment's SLUICE_* variables that name keys (others are left alone: the
// tests' SLUICE_BIN, for one).
std::map<std::string, std::string> config_env_from(char** environ_vars);

// Applies defaults, then the file, the environment and the flags. InvalidArgument naming the
// key for an unknown key in the file, a value of the wrong type, or a value that fails its
// check; NotFound / IOError for a file that cannot be read.
Result<Config> load_config(const ConfigInputs& inputs, ServeOptions defaults = {});

// The effective configuration: "text" (TOML with each source in a comment) or "json"
// ({"key": {"value": ..., "source": ..., "flag": ..., "env": ...}}).
std::string render_config(const Config& config, const std::string& format);

}  // namespace sluice::server
