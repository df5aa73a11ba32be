// `sluice serve`: the broker process.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
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
  // SigV4 verification: "ID:SECRET" pairs and/or a file of them; none: any signature passes.
  std::vector<std::string> sqs_access_keys;
  std::string sqs_access_keys_file;
  int64_t sqs_idle_timeout_ms = 30000;
  std::string admin_listen = "127.0.0.1:9644";
  std::string fsync = "always";
  int32_t default_partitions = 1;
  bool auto_create_topics = true;
  int64_t max_request_bytes = 100 << 20;
  int64_t retention_check_ms = 5 * 60 * 1000;
  int64_t group_initial_rebalance_delay_ms = 3000;
  // When set, the bound ports are written here once the listeners are open, as
  // "kafka=PORT" and "sqs=PORT" lines: tests start brokers on port 0 and read the real ports back.
  std::string ports_file;
};

// Registers the `serve` subcommand on `app`; when it is parsed, it runs run_serve() and
// stores the exit code in *exit_code.
void add_serve_command(CLI::App& app, int* exit_code);

// Runs the broker until SIGINT or SIGTERM. Returns the process exit code.
int run_serve(const ServeOptions& options);

}  // namespace sluice::server
