// `sluice serve`: the broker process.
#pragma once

#include <CLI/CLI.hpp>

#include "server/config.h"

namespace sluice::server {

// Registers the `serve` subcommand on `app`: its flags come from the configuration table
// (config.h) plus --config, --print-config, --format and --ports-file. When it is parsed it
// loads the configuration (exit code 2 naming the key when that fails), then prints it or
// runs run_serve(), and stores the exit code in *exit_code.
void add_serve_command(CLI::App& app, int* exit_code);

// Runs the broker until SIGINT or SIGTERM, then stops gracefully. Returns the process exit
// code: 0 after a clean stop, 1 when something failed, 2 for a bad configuration value.
int run_serve(const ServeOptions& options);

}  // namespace sluice::server
