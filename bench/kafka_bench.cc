// Kafka end-to-end benchmark over librdkafka, in the manner of kafka-producer-perf-test and
// kafka-consumer-perf-test: P producer threads send N records of S bytes with acks=1 or
// acks=all to a fresh topic while one consumer reads them back. Prints records/s, MB/s,
// producer acknowledgement latency and end-to-end latency percentiles (p50/p99/p99.9).
//
// Run against a broker you started: kafka_bench --bootstrap 127.0.0.1:9092 [options].
// Every record carries its send time (steady clock, same host), so end-to-end latency is
// measured by the consumer without clock skew.
#include <librdkafka/rdkafka.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string bootstrap = "127.0.0.1:9092";
  std::string topic;
  int64_t records = 200'000;
  int record_size = 100;
  std::string acks = "all";
  int producers = 2;
  int partitions = 6;
  int linger_ms = 5;
  // Records per second over all producers; 0 sends as fast as librdkafka queues.
  double rate = 0;
};

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "kafka_bench: %s\n", what.c_str());
  std::exit(1);
}

rd_kafka_conf_t* base_config(const Options& options) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  if (rd_kafka_conf_set(conf, "bootstrap.servers", options.bootstrap.c_str(), error,
                        sizeof(error)) != RD_KAFKA_CONF_OK) {
    die(error);
  }
  return conf;
}

void set(rd_kafka_conf_t* conf, const char* key, const std::string& value) {
  char error[512];
  if (rd_kafka_conf_set(conf, key, value.c_str(), error, sizeof(error)) != RD_KAFKA_CONF_OK) {
    die(std::string(key) + ": " + error);
  }
}

void create_topic(const Options& options) {
  char error[512];
  rd_kafka_t* admin = rd_kafka_new(RD_KAFKA_PRODUCER, base_config(options), error, sizeof(error));
  if (admin == nullptr) die(error);
  rd_kafka_NewTopic_t* topic =
      rd_kafka_NewTopic_new(options.topic.c_str(), options.partitions, 1, error, sizeof(error));
  rd_kafka_queue_t* queue = rd_kafka_queue_new(admin);
  rd_kafka_CreateTopics(admin, &topic, 1, nullptr, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 30'000);
  if (event == nullptr || rd_kafka_event_error(event)) die("CreateTopics failed");
  size_t count = 0;
  const auto* results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
  if (count != 1 || rd_kafka_topic_result_error(results[0])) {
    die(std::string("CreateTopics: ") + rd_kafka_topic_result_error_string(results[0]));
  }
  rd_kafka_event_destroy(event);
  rd_kafka_NewTopic_destroy(topic);
  rd_kafka_queue_destroy(queue);
  rd_kafka_destroy(admin);
}

struct Latencies {
  std::mutex mu;
  std::vector<int64_t> ns;
  void add(int64_t value) {
    std::lock_guard lock(mu);
    ns.push_back(value);
  }
  double percentile_ms(double p) {
    std::lock_guard lock(mu);
    if (ns.empty()) return 0;
    std::sort(ns.begin(), ns.end());
    const size_t index = std::min(ns.size() - 1, static_cast<size_t>(p * ns.size()));
    return static_cast<double>(ns[index]) / 1e6;
  }
};

Latencies g_ack_latency;
std::atomic<int64_t> g_delivered{0};
std::atomic<int64_t> g_failed{0};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  if (message->err) {
    ++g_failed;
    return;
  }
  int64_t sent;
  std::memcpy(&sent, message->payload, sizeof(sent));
  g_ack_latency.add(now_ns() - sent);
  ++g_delivered;
}

// At a fixed rate each record is stamped with the time it was due, not the time it went
// out: a stalled broker then shows up in the latency instead of silently slowing the sender
// (coordinated omission).
void produce(const Options& options, int64_t count, int64_t start_ns) {
  rd_kafka_conf_t* conf = base_config(options);
  set(conf, "acks", options.acks);
  set(conf, "linger.ms", std::to_string(options.linger_ms));
  set(conf, "queue.buffering.max.messages", "1000000");
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  char error[512];
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
  if (producer == nullptr) die(error);
  std::string payload(static_cast<size_t>(options.record_size), 'x');
  const double interval_ns = options.rate > 0 ? 1e9 * options.producers / options.rate : 0;
  for (int64_t i = 0; i < count; ++i) {
    int64_t sent = now_ns();
    if (interval_ns > 0) {
      const int64_t due = start_ns + static_cast<int64_t>(static_cast<double>(i) * interval_ns);
      while (sent < due) {
        rd_kafka_poll(producer, 0);
        if (due - sent > 200'000) std::this_thread::sleep_for(std::chrono::microseconds(100));
        sent = now_ns();
      }
      sent = due;
    }
    std::memcpy(payload.data(), &sent, sizeof(sent));
    while (rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(options.topic.c_str()),
                             RD_KAFKA_V_VALUE(payload.data(), payload.size()),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(producer, 10);
    }
    rd_kafka_poll(producer, 0);
  }
  rd_kafka_flush(producer, 120'000);
  rd_kafka_destroy(producer);
}

// Reads `expected` records from every partition of the topic, recording end-to-end latency.
void consume(const Options& options, int64_t expected, Latencies* latency,
             std::atomic<bool>* ready) {
  rd_kafka_conf_t* conf = base_config(options);
  set(conf, "group.id", "kafka-bench-" + options.topic);
  set(conf, "enable.auto.commit", "false");
  set(conf, "fetch.wait.max.ms", "10");
  char error[512];
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error));
  if (consumer == nullptr) die(error);
  rd_kafka_topic_partition_list_t* partitions =
      rd_kafka_topic_partition_list_new(options.partitions);
  for (int p = 0; p < options.partitions; ++p) {
    rd_kafka_topic_partition_list_add(partitions, options.topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(consumer, partitions);
  rd_kafka_topic_partition_list_destroy(partitions);
  ready->store(true);
  int64_t received = 0;
  const auto deadline = Clock::now() + std::chrono::minutes(5);
  while (received < expected && Clock::now() < deadline) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer, 100);
    if (message == nullptr) continue;
    if (!message->err && message->len >= sizeof(int64_t)) {
      int64_t sent;
      std::memcpy(&sent, message->payload, sizeof(sent));
      latency->add(now_ns() - sent);
      ++received;
    }
    rd_kafka_message_destroy(message);
  }
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  if (received < expected) die("consumer timed out");
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
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
  CLI11_PARSE(app, argc, argv);
  if (options.topic.empty()) options.topic = "kafka-bench-" + std::to_string(now_ns());

  create_topic(options);
  Latencies end_to_end;
  std::atomic<bool> consumer_ready{false};
  std::thread consumer(consume, std::cref(options), options.records, &end_to_end, &consumer_ready);
  while (!consumer_ready.load()) std::this_thread::sleep_for(std::chrono::milliseconds(10));

  const auto start = Clock::now();
  const int64_t start_ns = now_ns();
  std::vector<std::thread> producers;
  for (int i = 0; i < options.producers; ++i) {
    const int64_t share =
        options.records / options.producers + (i < options.records % options.producers ? 1 : 0);
    producers.emplace_back(produce, std::cref(options), share, start_ns);
  }
  for (auto& producer : producers) producer.join();
  const double produce_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  consumer.join();
  if (g_failed.load() > 0) die(std::to_string(g_failed.load()) + " records failed");

  const double mb = static_cast<double>(options.records) * options.record_size / 1e6;
  const std::string pace =
      options.rate > 0 ? "rate " + std::to_string(static_cast<int64_t>(options.rate)) + " records/s"
                       : std::string("max rate");
  std::printf("kafka_bench: %lld records of %d B, acks=%s, %d producers, %d partitions, %s\n",
              static_cast<long long>(options.records), options.record_size, options.acks.c_str(),
              options.producers, options.partitions, pace.c_str());
  std::printf("produce: %.0f records/s, %.1f MB/s\n", options.records / produce_seconds,
              mb / produce_seconds);
  for (auto [name, latency] : {std::pair<const char*, Latencies*>{"ack", &g_ack_latency},
                               std::pair<const char*, Latencies*>{"end-to-end", &end_to_end}}) {
    std::printf("%s latency ms: p50 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n", name,
                latency->percentile_ms(0.5), latency->percentile_ms(0.99),
                latency->percentile_ms(0.999), latency->percentile_ms(1.0));
  }
  return 0;
}
