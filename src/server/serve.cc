#include "server/serve.h"

#include <signal.h>

#include <charconv>

#include "common/log.h"
#include "server/data_dir_lock.h"

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

void add_serve_command(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* serve = app.add_subcommand("serve", "Run the broker (embedded single-node defaults)");
  serve->add_option("--data-dir", options->data_dir, "Directory for logs and metadata")
      ->capture_default_str();
  serve->add_option("--kafka-listen", options->kafka_listen, "Kafka protocol listener HOST:PORT")
      ->capture_default_str();
  serve->add_option("--sqs-listen", options->sqs_listen, "SQS API listener HOST:PORT")
      ->capture_default_str();
  serve
      ->add_option("--admin-listen", options->admin_listen,
                   "Admin HTTP (health, metrics) listener HOST:PORT")
      ->capture_default_str();
  serve->callback([options, exit_code] { *exit_code = run_serve(*options); });
}

int run_serve(const ServeOptions& options) {
  auto logger = log::get("server");
  for (const auto& [flag, value] : {std::pair{"--kafka-listen", &options.kafka_listen},
                                    std::pair{"--sqs-listen", &options.sqs_listen},
                                    std::pair{"--admin-listen", &options.admin_listen}}) {
    auto address = parse_listen_address(*value, flag);
    if (!address.is_ok()) {
      logger->error("{}", address.status().message());
      return 2;
    }
  }

  // Block the stop signals before any thread exists so that only sigwait sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto lock = DataDirLock::acquire(options.data_dir);
  if (!lock.is_ok()) {
    logger->error("cannot start: {}", lock.status().message());
    return 1;
  }
  logger->info("sluice started data_dir={} kafka_listen={} sqs_listen={} admin_listen={}",
               options.data_dir, options.kafka_listen, options.sqs_listen, options.admin_listen);
  logger->warn(
      "the Kafka, SQS and admin listeners are not built yet (issues 4, 5 and 6); "
      "this process only holds the data directory");

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  logger->info("stopping on signal {}", signal_number);
  return 0;
}

}  // namespace sluice::server
