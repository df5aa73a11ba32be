#include "cli/cli.h"

#include <iostream>

#include "cli/cli_error.h"

namespace sluice::cli {

std::function<void()> CliContext::guard(std::function<void()> command) const {
  int* code = exit_code;
  return [command = std::move(command), code] {
    try {
      command();
      *code = 0;
    } catch (const CliError& e) {
      std::cerr << "sluice: " << e.what() << "\n";
      *code = e.exit_code();
    } catch (const std::exception& e) {
      std::cerr << "sluice: " << e.what() << "\n";
      *code = kExitFailed;
    }
  };
}

void add_format_option(CLI::App* command, CliContext& context) {
  command->add_option("--format", context.format, "Output: table for people, json for scripts")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, Format>{{"table", Format::kTable}, {"json", Format::kJson}}));
}

std::pair<std::string, std::string> split_key_value(const std::string& text,
                                                    const std::string& what) {
  const size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0) {
    throw usage_error(what + " '" + text + "': expected KEY=VALUE");
  }
  return {text.substr(0, equals), text.substr(equals + 1)};
}

void add_cli_commands(CLI::App& app, int* exit_code) {
  // Lives as long as the process: the commands' callbacks refer to it.
  static CliContext context;
  context.exit_code = exit_code;
  app.add_option("--brokers", context.flags.brokers,
                 "Kafka bootstrap HOST:PORT[,...] (env SLUICE_BROKERS)");
  app.add_option("--sqs-endpoint", context.flags.sqs_endpoint,
                 "SQS API URL, http://HOST:PORT (env SLUICE_SQS_ENDPOINT)");
  app.add_option("--admin-url", context.flags.admin_url,
                 "Admin HTTP URL, http://HOST:PORT (env SLUICE_ADMIN_URL)");
  add_topic_commands(app, context);
  add_record_commands(app, context);
  add_group_commands(app, context);
  add_queue_commands(app, context);
  add_cluster_commands(app, context);
  add_bench_commands(app, context);
}

}  // namespace sluice::cli

namespace sluice::cli {
CLI::App* add_command(CLI::App& parent, const std::string& name, const std::string& description) {
  CLI::App* command = parent.add_subcommand(name, description);
  command->fallthrough();
  return command;
}
}  // namespace sluice::cli
