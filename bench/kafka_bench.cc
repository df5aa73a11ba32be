// Kafka produce/consume benchmark: the load generator of src/loadgen/kafka_load.h with its
// figures printed for bench/README.md. `sluice bench kafka` runs the same generator with a
// live progress line.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "loadgen/kafka_load.h"

int main(int argc, char** argv) {
  sluice::loadgen::KafkaLoadOptions options;
  CLI::App app{"Kafka produce/consume benchmark over librdkafka"};
  app.add_option("--bootstrap", options.bootstrap, "Broker HOST:PORT")->capture_default_str();
  app.add_option("--topic", options.topic, "Topic to create (default: a fresh name)");
  app.add_option("--records", options.records, "Records in total")->capture_default_str();
  app.add_option("--record-size", options.record_size, "Bytes per record (>= 8)")
      ->check(CLI::Range(8, 1 << 20))
      ->capture_default_str();
  app.add_option("--acks", options.acks, "1 or all")
      ->check(CLI::IsMember({"1", "all"}))
      ->capture_default_str();
  app.add_option("--producers", options.producers, "Producer threads")->capture_default_str();
  app.add_option("--partitions", options.partitions, "Partitions of the topic")
      ->capture_default_str();
  app.add_option("--linger-ms", options.linger_ms, "Producer linger.ms")->capture_default_str();
  app.add_option("--rate", options.rate, "Records/s over all producers (0: as fast as possible)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_flag("--replay", options.replay,
               "Then read the whole topic back from the start with a fresh consumer");
  CLI11_PARSE(app, argc, argv);

  auto result = sluice::loadgen::run_kafka_load(options);
  if (!result.is_ok()) {
    std::fprintf(stderr, "kafka_bench: %s\n", result.status().message().c_str());
    return 1;
  }
  const std::string pace =
      options.rate > 0 ? "rate " + std::to_string(static_cast<int64_t>(options.rate)) + " records/s"
                       : std::string("max rate");
  std::printf("kafka_bench: %lld records of %d B, acks=%s, %d producers, %d partitions, %s\n",
              static_cast<long long>(options.records), options.record_size, options.acks.c_str(),
              options.producers, options.partitions, pace.c_str());
  std::printf("produce: %.0f records/s, %.1f MB/s\n", result->records_per_second,
              result->megabytes_per_second);
  if (options.replay) {
    std::printf("consume from the start: %.0f records/s, %.1f MB/s\n",
                result->replay_records_per_second, result->replay_megabytes_per_second);
  }
  for (const auto& [name, latency] :
       {std::pair{"ack", result->ack}, std::pair{"end-to-end", result->end_to_end}}) {
    std::printf("%s latency ms: p50 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n", name, latency.p50_ms,
                latency.p99_ms, latency.p999_ms, latency.max_ms);
  }
  return 0;
}
