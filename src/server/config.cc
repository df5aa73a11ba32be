#include "server/config.h"

#include <toml++/toml.h>

#include <cctype>
#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "common/log.h"
#include "storage/fsync_policy.h"

namespace sluice::server {

Result<ListenAddress> parse_listen_address(const std::string& text, const std::string& flag) {
  const auto bad = [&](const std::string& why) {
    return Status::invalid_argument(flag + " '" + text + "': " + why + " (expected HOST:PORT)");
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return bad("no host");
  std::string host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.back() != ']') return bad("unclosed [");
    host = host.substr(1, host.size() - 2);
  }
  const std::string port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return bad("bad port");
  }
  return ListenAddress{host, static_cast<uint16_t>(port)};
}

std::string source_name(ConfigSource source) {
  switch (source) {
    case ConfigSource::kDefault:
      return "default";
    case ConfigSource::kFile:
      return "file";
    case ConfigSource::kEnv:
      return "env";
    case ConfigSource::kFlag:
      return "flag";
  }
  return "?";
}

std::string ConfigKey::env() const {
  std::string name = "SLUICE_";
  for (char c : key) {
    name += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

namespace {

using Kind = ConfigKey::Kind;

// The table's building blocks: one per value type, each a setter and a getter over a member.
ConfigKey string_key(std::string key, std::string flag, std::string help,
                     std::string ServeOptions::*field,
                     std::function<Status(const std::string&)> check = nullptr) {
  return ConfigKey{std::move(key),
                   std::move(flag),
                   std::move(help),
                   Kind::kString,
                   [field, check](const std::string& text, ServeOptions* options) -> Status {
                     if (check) SLUICE_RETURN_IF_ERROR(check(text));
                     options->*field = text;
                     return Status::ok();
                   },
                   [field](const ServeOptions& options) { return options.*field; }};
}

// A string key whose value is "ID:SECRET,...": printed with the secrets hidden.
ConfigKey secret_key(std::string key, std::string flag, std::string help,
                     std::string ServeOptions::*field) {
  ConfigKey entry = string_key(std::move(key), std::move(flag), std::move(help), field);
  entry.get = [field](const ServeOptions& options) {
    std::string shown;
    std::stringstream items(options.*field);
    std::string item;
    while (std::getline(items, item, ',')) {
      shown += (shown.empty() ? "" : ",") + item.substr(0, item.find(':')) + ":***";
    }
    return shown;
  };
  return entry;
}

ConfigKey integer_key(std::string key, std::string flag, std::string help,
                      int64_t ServeOptions::*field, int64_t min,
                      int64_t max = std::numeric_limits<int64_t>::max()) {
  return ConfigKey{
      std::move(key),
      std::move(flag),
      std::move(help),
      Kind::kInteger,
      [field, min, max](const std::string& text, ServeOptions* options) -> Status {
        int64_t value = 0;
        auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
          return Status::invalid_argument("'" + text + "' is not an integer");
        }
        if (value < min || value > max) {
          return Status::invalid_argument(text + " is outside [" + std::to_string(min) + ", " +
                                          std::to_string(max) + "]");
        }
        options->*field = value;
        return Status::ok();
      },
      [field](const ServeOptions& options) { return std::to_string(options.*field); }};
}

ConfigKey boolean_key(std::string key, std::string flag, std::string help,
                      bool ServeOptions::*field) {
  return ConfigKey{std::move(key),
                   std::move(flag),
                   std::move(help),
                   Kind::kBoolean,
                   [field](const std::string& text, ServeOptions* options) -> Status {
                     if (text == "true" || text == "1") {
                       options->*field = true;
                     } else if (text == "false" || text == "0") {
                       options->*field = false;
                     } else {
                       return Status::invalid_argument("'" + text + "' is not true or false");
                     }
                     return Status::ok();
                   },
                   [field](const ServeOptions& options) {
                     return std::string(options.*field ? "true" : "false");
                   }};
}

Status check_listen(const std::string& text) {
  return parse_listen_address(text, "address").status();
}

Status check_optional_listen(const std::string& text) {
  return text.empty() ? Status::ok() : check_listen(text);
}

Status check_not_empty(const std::string& text) {
  return text.empty() ? Status::invalid_argument("must not be empty") : Status::ok();
}

Status check_fsync(const std::string& text) {
  return storage::FsyncPolicy::parse(text).status();
}

Status check_level(const std::string& text) {
  if (log::parse_level(text)) return Status::ok();
  return Status::invalid_argument("'" + text +
                                  "' is not a level (trace, debug, info, warn, error, critical, "
                                  "off)");
}

Status check_components(const std::string& text) {
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::invalid_argument("'" + item + "' is not COMPONENT=LEVEL");
    }
    SLUICE_RETURN_IF_ERROR(check_level(item.substr(eq + 1)));
  }
  return Status::ok();
}

std::vector<ConfigKey> make_keys() {
  using O = ServeOptions;
  const int64_t max_int32 = std::numeric_limits<int32_t>::max();
  return {
      string_key("data_dir", "--data-dir", "Directory for logs and metadata", &O::data_dir,
                 check_not_empty),
      string_key("kafka.listen", "--kafka-listen", "Kafka protocol listener HOST:PORT",
                 &O::kafka_listen, check_listen),
      string_key("kafka.advertised", "--advertised-kafka",
                 "HOST:PORT that Metadata tells Kafka clients to connect to (empty: the Kafka "
                 "listener's address)",
                 &O::advertised_kafka, check_optional_listen),
      boolean_key("kafka.auto_create_topics", "--auto-create-topics",
                  "Create unknown topics on Metadata and Produce", &O::auto_create_topics),
      integer_key("kafka.default_partitions", "--default-partitions",
                  "Partitions of auto-created topics and of CreateTopics with -1",
                  &O::default_partitions, 1, max_int32),
      integer_key("kafka.max_request_bytes", "--max-request-bytes",
                  "Largest Kafka request frame accepted; larger ones close the connection",
                  &O::max_request_bytes, 1, max_int32),
      string_key("sqs.listen", "--sqs-listen", "SQS API listener HOST:PORT", &O::sqs_listen,
                 check_listen),
      string_key("sqs.advertised", "--advertised-sqs",
                 "HOST:PORT put in the queue URLs the SQS API returns (empty: the Host header "
                 "of each request)",
                 &O::advertised_sqs, check_optional_listen),
      string_key("sqs.account_id", "--sqs-account-id", "Account id in SQS queue URLs and ARNs",
                 &O::sqs_account_id, check_not_empty),
      string_key("sqs.region", "--sqs-region", "Region in SQS queue ARNs", &O::sqs_region,
                 check_not_empty),
      secret_key("sqs.access_keys", "--sqs-access-key",
                 "ID:SECRET pairs an SQS request may be SigV4-signed with, comma-separated (the "
                 "flag may repeat); with none here or in sqs.access_keys_file, any signature is "
                 "accepted",
                 &O::sqs_access_keys),
      string_key("sqs.access_keys_file", "--sqs-access-keys-file",
                 "File of ID:SECRET lines ('#' comments) for SQS SigV4 verification",
                 &O::sqs_access_keys_file),
      integer_key("sqs.idle_timeout_ms", "--sqs-idle-timeout-ms",
                  "Close an SQS connection that sends nothing for this long, between requests or "
                  "stalled inside one (a long poll is not idle)",
                  &O::sqs_idle_timeout_ms, 1),
      string_key("admin.listen", "--admin-listen",
                 "Admin HTTP listener HOST:PORT (health, metrics, the CLI's JSON API)",
                 &O::admin_listen, check_listen),
      string_key("storage.fsync", "--fsync",
                 "Default fsync policy of topic logs: always, never or interval:<ms>", &O::fsync,
                 check_fsync),
      integer_key("storage.retention_check_ms", "--retention-check-ms",
                  "How often retention runs over every partition", &O::retention_check_ms, 1),
      integer_key("groups.initial_rebalance_delay_ms", "--group-initial-rebalance-delay-ms",
                  "How long a new consumer group waits for more members before its first "
                  "generation (Kafka's group.initial.rebalance.delay.ms)",
                  &O::group_initial_rebalance_delay_ms, 0),
      string_key("log.level", "--log-level",
                 "Level of every component without its own: trace, debug, info, warn, error, "
                 "critical, off",
                 &O::log_level, check_level),
      string_key("log.components", "--log-components",
                 "Per-component levels, COMPONENT=LEVEL,... (e.g. storage=debug,kafka=warn)",
                 &O::log_components, check_components),
      integer_key("node_id", "--node-id",
                  "This broker's id, unique in its cluster (Metadata's node id)", &O::node_id, 0,
                  max_int32),
      string_key("cluster.etcd", "--etcd",
                 "etcd client URLs, http://HOST:PORT[,...]: runs in cluster mode, coordinated "
                 "through them (empty: the embedded single node)",
                 &O::cluster_etcd),
      string_key("cluster.name", "--cluster",
                 "Name of the cluster in etcd; brokers with the same name form one cluster",
                 &O::cluster_name, check_not_empty),
      string_key("cluster.rack", "--rack",
                 "This broker's rack: replicas of a partition spread over racks", &O::cluster_rack),
      integer_key("cluster.lease_ttl_s", "--lease-ttl",
                  "Seconds a broker stays registered after it stops renewing its etcd lease: "
                  "how long a dead leader keeps its partitions before another is elected",
                  &O::cluster_lease_ttl_s, 2, 60),
      integer_key("cluster.replica_lag_time_max_ms", "--replica-lag-time-max-ms",
                  "A follower that has not caught up with its leader for this long leaves the "
                  "in-sync replicas (Kafka's replica.lag.time.max.ms)",
                  &O::replica_lag_time_max_ms, 100, 3600000),
      integer_key("shutdown.drain_ms", "--shutdown-drain-ms",
                  "On SIGTERM/SIGINT, how long in-flight requests may take to finish before "
                  "their connections close (the whole stop stays under 10 s)",
                  &O::shutdown_drain_ms, 0, 8000),
  };
}

const ConfigKey* find_key(const std::string& key) {
  for (const auto& entry : config_keys()) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

Status apply(const ConfigKey& key, const std::string& text, const std::string& where,
             ServeOptions* options) {
  Status status = key.set(text, options);
  if (status.is_ok()) return status;
  return Status::invalid_argument("config key " + key.key + " (" + where +
                                  "): " + status.message());
}

// The TOML value as the text a flag would carry; InvalidArgument for the wrong TOML type.
Result<std::string> toml_text(const ConfigKey& key, const toml::node& node) {
  switch (key.kind) {
    case Kind::kString:
      if (auto value = node.value<std::string>(); value && node.is_string()) return *value;
      return Status::invalid_argument("config key " + key.key + " must be a string");
    case Kind::kInteger:
      if (auto value = node.value<int64_t>(); value && node.is_integer()) {
        return std::to_string(*value);
      }
      return Status::invalid_argument("config key " + key.key + " must be an integer");
    case Kind::kBoolean:
      if (auto value = node.value<bool>(); value && node.is_boolean()) {
        return std::string(*value ? "true" : "false");
      }
      return Status::invalid_argument("config key " + key.key + " must be true or false");
  }
  return Status::invalid_argument("config key " + key.key);
}

Status apply_table(const toml::table& table, const std::string& prefix, const std::string& file,
                   Config* config) {
  for (const auto& [name, node] : table) {
    const std::string key = prefix + std::string(name.str());
    if (const toml::table* section = node.as_table()) {
      SLUICE_RETURN_IF_ERROR(apply_table(*section, key + ".", file, config));
      continue;
    }
    const ConfigKey* entry = find_key(key);
    if (!entry) return Status::invalid_argument("unknown config key " + key + " in " + file);
    SLUICE_ASSIGN_OR_RETURN(std::string text, toml_text(*entry, node));
    SLUICE_RETURN_IF_ERROR(apply(*entry, text, "file " + file, &config->options));
    config->sources[key] = ConfigSource::kFile;
  }
  return Status::ok();
}

Status apply_file(const std::string& file, Config* config) {
  toml::table table;
  try {
    table = toml::parse_file(file);
  } catch (const toml::parse_error& error) {
    const auto& where = error.source().begin;
    return Status::invalid_argument("config file " + file + ":" + std::to_string(where.line) + ":" +
                                    std::to_string(where.column) + ": " +
                                    std::string(error.description()));
  }
  return apply_table(table, "", file, config);
}

}  // namespace

const std::vector<ConfigKey>& config_keys() {
  static const std::vector<ConfigKey> keys = make_keys();
  return keys;
}

std::map<std::string, std::string> config_env_from(char** environ_vars) {
  std::map<std::string, std::string> found;
  for (char** entry = environ_vars; entry && *entry; ++entry) {
    const std::string text(*entry);
    const size_t eq = text.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = text.substr(0, eq);
    for (const auto& key : config_keys()) {
      if (key.env() == name) found[key.key] = text.substr(eq + 1);
    }
  }
  return found;
}

Result<Config> load_config(const ConfigInputs& inputs, ServeOptions defaults) {
  Config config{std::move(defaults), {}};
  for (const auto& key : config_keys()) config.sources[key.key] = ConfigSource::kDefault;
  if (inputs.file) SLUICE_RETURN_IF_ERROR(apply_file(*inputs.file, &config));
  for (const auto& [name, text] : inputs.env) {
    const ConfigKey* key = find_key(name);
    if (!key) return Status::invalid_argument("unknown config key " + name);
    SLUICE_RETURN_IF_ERROR(apply(*key, text, "env " + key->env(), &config.options));
    config.sources[name] = ConfigSource::kEnv;
  }
  for (const auto& [name, text] : inputs.flags) {
    const ConfigKey* key = find_key(name);
    if (!key) return Status::invalid_argument("unknown config key " + name);
    SLUICE_RETURN_IF_ERROR(apply(*key, text, "flag " + key->flag, &config.options));
    config.sources[name] = ConfigSource::kFlag;
  }
  return config;
}

std::string render_config(const Config& config, const std::string& format) {
  if (format == "json") {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (const auto& key : config_keys()) {
      const std::string text = key.get(config.options);
      nlohmann::ordered_json value = text;
      if (key.kind == Kind::kInteger) value = std::stoll(text);
      if (key.kind == Kind::kBoolean) value = text == "true";
      out[key.key] = {{"value", value},
                      {"source", source_name(config.sources.at(key.key))},
                      {"flag", key.flag},
                      {"env", key.env()}};
    }
    return out.dump(2) + "\n";
  }
  // TOML with dotted keys, so the output is itself a valid --config file.
  std::string out;
  for (const auto& key : config_keys()) {
    const std::string text = key.get(config.options);
    const std::string value =
        key.kind == Kind::kString ? nlohmann::json(text).dump() : text;  // JSON quoting is TOML's
    out += key.key + " = " + value + "  # " + source_name(config.sources.at(key.key)) + "\n";
  }
  return out;
}

}  // namespace sluice::server
