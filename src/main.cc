// The one Sluice binary: `sluice serve` runs the broker; later subcommands are the CLI.
#include <CLI/CLI.hpp>

#include "server/serve.h"

int main(int argc, char** argv) {
  CLI::App app{"Sluice: a durable message broker speaking the Kafka and SQS protocols"};
  app.require_subcommand(1);
  int exit_code = 0;
  sluice::server::add_serve_command(app, &exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
