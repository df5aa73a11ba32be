// The `sluice` commands for people: topics, records, groups, queues and cluster status,
// spoken over the broker's own public protocols (Kafka for topics and groups, the SQS API for
// queues). Exit codes: 0 ok, 1 a request failed, 2 usage.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "cli/endpoints.h"
#include "cli/output.h"

namespace sluice::cli {

// What every command shares: where to connect and how to print.
struct CliContext {
  EndpointFlags flags;
  Format format = Format::kTable;
  int* exit_code = nullptr;

  Endpoints endpoints() const { return resolve_endpoints(flags); }
  // Runs `command`, turning a CliError into a message on stderr and its exit code.
  std::function<void()> guard(std::function<void()> command) const;
};

// Registers topic, produce, consume, group, queue, cluster and bench on `app`; their results go to
// *exit_code.
void add_cli_commands(CLI::App& app, int* exit_code);

// Each command family registers itself under `app` (one file each).
void add_topic_commands(CLI::App& app, CliContext& context);
void add_record_commands(CLI::App& app, CliContext& context);
void add_group_commands(CLI::App& app, CliContext& context);
void add_queue_commands(CLI::App& app, CliContext& context);
void add_cluster_commands(CLI::App& app, CliContext& context);
void add_bench_commands(CLI::App& app, CliContext& context);

// --format table|json on `command`.
void add_format_option(CLI::App* command, CliContext& context);
// Splits "key=value" (CliError naming `what` when there is no '=').
std::pair<std::string, std::string> split_key_value(const std::string& text,
                                                    const std::string& what);

}  // namespace sluice::cli

namespace sluice::cli {
// A subcommand that also accepts its parents' options (--brokers after the command name).
CLI::App* add_command(CLI::App& parent, const std::string& name, const std::string& description);
}  // namespace sluice::cli
