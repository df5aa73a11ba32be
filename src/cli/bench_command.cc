// sluice bench kafka: the Kafka load generator (src/loadgen) with a live progress line on
// stderr and a summary table (or JSON) on stdout.
#include <cstdio>
#include <memory>

#include "cli/cli.h"
#include "cli/cli_error.h"
#include "loadgen/kafka_load.h"

namespace sluice::cli {

namespace {

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  return text;
}

void bench_kafka(const CliContext& context, loadgen::KafkaLoadOptions options) {
  options.bootstrap = context.endpoints().brokers;
  const bool live = context.format == Format::kTable;
  auto progress = [&](const loadgen::KafkaLoadProgress& p) {
    if (!live) return;
    std::fprintf(stderr, "\r%6.1fs  sent %lld  acked %lld  consumed %lld of %lld  %.0f records/s ",
                 p.elapsed_s, static_cast<long long>(p.sent),
                 static_cast<long long>(p.acknowledged), static_cast<long long>(p.consumed),
                 static_cast<long long>(options.records),
                 p.elapsed_s > 0 ? static_cast<double>(p.acknowledged) / p.elapsed_s : 0.0);
  };
  auto result = loadgen::run_kafka_load(options, progress);
  if (live) std::fprintf(stderr, "\n");
  if (!result.is_ok())
    throw CliError("bench against " + options.bootstrap + ": " + result.status().message());
  auto latency_json = [](const loadgen::LatencySummary& l) {
    return nlohmann::json{
        {"p50_ms", l.p50_ms}, {"p99_ms", l.p99_ms}, {"p999_ms", l.p999_ms}, {"max_ms", l.max_ms}};
  };
  nlohmann::json json = {{"topic", result->topic},
                         {"records", result->records},
                         {"record_size", options.record_size},
                         {"acks", options.acks},
                         {"producers", options.producers},
                         {"rate", options.rate},
                         {"records_per_second", result->records_per_second},
                         {"megabytes_per_second", result->megabytes_per_second},
                         {"ack_latency", latency_json(result->ack)},
                         {"end_to_end_latency", latency_json(result->end_to_end)}};
  Table table{{"measure", "records/s", "MB/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms"}, {}};
  const std::string rate = fixed(result->records_per_second, 0);
  const std::string mb = fixed(result->megabytes_per_second, 1);
  for (const auto& [name, l] :
       {std::pair{"ack", result->ack}, std::pair{"end-to-end", result->end_to_end}}) {
    table.rows.push_back({name, rate, mb, fixed(l.p50_ms, 2), fixed(l.p99_ms, 2),
                          fixed(l.p999_ms, 2), fixed(l.max_ms, 2)});
  }
  emit(context.format, json, table);
}

}  // namespace

void add_bench_commands(CLI::App& app, CliContext& context) {
  auto options = std::make_shared<loadgen::KafkaLoadOptions>();
  CLI::App* bench = add_command(app, "bench", "Load a broker and report throughput and latency");
  bench->require_subcommand(1);
  CLI::App* kafka = add_command(
      *bench, "kafka", "Producers and a consumer on a fresh topic: records/s, MB/s, latency");
  kafka->add_option("-n,--records", options->records, "Records in total")->capture_default_str();
  kafka->add_option("-s,--record-size", options->record_size, "Bytes per record (>= 8)")
      ->check(CLI::Range(8, 1 << 20))
      ->capture_default_str();
  kafka->add_option("--acks", options->acks, "1 or all")
      ->check(CLI::IsMember({"1", "all"}))
      ->capture_default_str();
  kafka->add_option("-P,--producers", options->producers, "Producer threads")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  kafka->add_option("--partitions", options->partitions, "Partitions of the fresh topic")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  kafka->add_option("--rate", options->rate, "Records/s over all producers (0: max)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  add_format_option(kafka, context);
  kafka->callback(context.guard([&context, options] { bench_kafka(context, *options); }));
}

}  // namespace sluice::cli
