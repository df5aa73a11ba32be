// A Kafka load generator over librdkafka, in the manner of kafka-producer-perf-test and
// kafka-consumer-perf-test: P producers send N records of S bytes to a fresh topic while one
// consumer reads them back. Each record carries its send time (steady clock, same host), so
// the consumer measures end-to-end latency. bench/kafka_bench and `sluice bench kafka` are
// two faces of this one generator.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"
#include "loadgen/latency_histogram.h"

namespace sluice::loadgen {

struct KafkaLoadOptions {
  std::string bootstrap = "127.0.0.1:9092";
  std::string topic;  // empty: a fresh name
  int64_t records = 200'000;
  int record_size = 100;  // >= 8: the send time fills the first 8 bytes
  std::string acks = "all";
  int producers = 2;
  int partitions = 6;
  int linger_ms = 5;
  // Records per second over all producers; 0 sends as fast as librdkafka queues. At a fixed
  // rate each record is stamped with the time it was due, not the time it went out, so a
  // stalled broker shows in the latency instead of silently slowing the sender (coordinated
  // omission).
  double rate = 0;
  // After the run, a second consumer reads the whole topic back from the start (the backlog
  // case of kafka-consumer-perf-test), timed from its first record to its last.
  bool replay = false;
};

struct KafkaLoadProgress {
  int64_t sent = 0;
  int64_t acknowledged = 0;
  int64_t consumed = 0;
  double elapsed_s = 0;
};

struct KafkaLoadResult {
  std::string topic;
  int64_t records = 0;
  double produce_seconds = 0;
  double records_per_second = 0;
  double megabytes_per_second = 0;
  LatencySummary ack;
  LatencySummary end_to_end;
  // Set when options.replay is: the second consumer's rate over the whole topic.
  double replay_records_per_second = 0;
  double replay_megabytes_per_second = 0;
};

// Runs the load to completion, calling `progress` (if set) about twice a second from the
// calling thread. An error when the topic cannot be created, a record fails, or the consumer
// does not see every record within 5 minutes.
Result<KafkaLoadResult> run_kafka_load(
    KafkaLoadOptions options, const std::function<void(const KafkaLoadProgress&)>& progress = {});

// Creates `topic` with `partitions` partitions (replication factor 1) through librdkafka's
// admin API at `bootstrap`: for the loaders here and the Kafka driver of bench/loadgen.
Status create_kafka_topic(const std::string& bootstrap, const std::string& topic, int partitions);

}  // namespace sluice::loadgen
