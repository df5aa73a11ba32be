// The one Sluice binary: `sluice serve` runs the broker; the other subcommands are the CLI
// that people use against a running broker.
#include <CLI/CLI.hpp>

#include "cli/cli.h"
#include "cli/cli_error.h"
#include "server/serve.h"

int main(int argc, char** argv) {
  CLI::App app{"Sluice: a durable message broker speaking the Kafka and SQS protocols"};
  app.require_subcommand(1);
  int exit_code = 0;
  sluice::server::add_serve_command(app, &exit_code);
  sluice::cli::add_cli_commands(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every other parse error is a usage error.
    const int printed = app.exit(e);
    return printed == 0 ? 0 : sluice::cli::kExitUsage;
  }
  return exit_code;
}
