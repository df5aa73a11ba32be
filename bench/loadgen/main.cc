// bench/loadgen: one load generator for Sluice and the brokers users would otherwise pick,
// with a driver per system (drivers.h) and one workload shape (src/loadgen/workload.h). It
// prints one JSON line per run, which bench/compare turns into a table and a plot.
//
//   loadgen --system kafka --address 127.0.0.1:9092 --producers 1 --consumers 1 --size 1024
//   loadgen --system redis-streams --address 127.0.0.1:6379 --rate 20000
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "bench/loadgen/drivers.h"
#include "loadgen/workload.h"

namespace {

using namespace sluice::loadgen;

std::unique_ptr<Driver> make_driver(const std::string& system, const std::string& address,
                                    const std::string& acks) {
  if (system == "kafka") return make_kafka_driver(address, acks);
  if (system == "sqs") return make_sqs_driver(address);
  if (system == "nats-jetstream") return make_jetstream_driver(address);
  if (system == "rabbitmq-quorum") return make_rabbitmq_driver(address, "quorum");
  if (system == "rabbitmq-classic") return make_rabbitmq_driver(address, "classic");
  if (system == "rabbitmq-stream") return make_rabbitmq_driver(address, "stream");
  if (system == "redis-streams") return make_redis_driver(address);
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  std::string system;
  std::string address;
  std::string acks = "all";
  WorkloadOptions options;
  CLI::App app{"Load generator: producers and consumers on one system, end-to-end latency"};
  app.add_option("--system", system, "Driver")
      ->required()
      ->check(CLI::IsMember({"kafka", "sqs", "nats-jetstream", "rabbitmq-quorum",
                             "rabbitmq-classic", "rabbitmq-stream", "redis-streams"}));
  app.add_option("--address", address, "HOST:PORT (sqs: http://HOST:PORT)")->required();
  app.add_option("--producers", options.producers, "Producer threads")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--consumers", options.consumers, "Consumer threads")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--size", options.message_size, "Message bytes (>= 16)")
      ->check(CLI::Range(16, 1 << 20))
      ->capture_default_str();
  app.add_option("--rate", options.rate, "Messages/s over all producers; 0: max rate")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--warmup", options.warmup_s, "Seconds before measuring")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--duration", options.duration_s, "Seconds measured")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--acks", acks, "kafka: librdkafka acks")
      ->check(CLI::IsMember({"1", "all"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto driver = make_driver(system, address, acks);
  auto result = run_workload(*driver, options);
  if (!result.is_ok()) {
    std::fprintf(stderr, "loadgen %s at %s: %s\n", system.c_str(), address.c_str(),
                 result.status().message().c_str());
    return 1;
  }
  const auto ms = [&](double q) {
    return static_cast<double>(result->histogram.quantile(q)) / 1e6;
  };
  nlohmann::json percentiles = nlohmann::json::array();
  for (double q : {0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999, 1.0}) {
    percentiles.push_back({q * 100, ms(q)});
  }
  const nlohmann::json line = {
      {"system", system},
      {"address", address},
      {"producers", options.producers},
      {"consumers", options.consumers},
      {"size", options.message_size},
      {"rate", options.rate},
      {"warmup_s", options.warmup_s},
      {"duration_s", options.duration_s},
      {"sent", result->sent},
      {"received", result->received},
      {"backlog", result->backlog},
      {"send_msg_per_s", result->send_rate},
      {"msg_per_s", result->receive_rate},
      {"mb_per_s", result->megabytes_per_second},
      {"p50_ms", result->end_to_end.p50_ms},
      {"p99_ms", result->end_to_end.p99_ms},
      {"p999_ms", result->end_to_end.p999_ms},
      {"max_ms", result->end_to_end.max_ms},
      {"percentiles_ms", percentiles},
  };
  std::printf("%s\n", line.dump().c_str());
  return 0;
}
