#include "loadgen/kafka_load.h"

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

namespace sluice::loadgen {

namespace {

using Clock = std::chrono::steady_clock;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// A histogram shared by the threads that record into it (librdkafka calls delivery reports
// from whichever producer thread polls).
class Latencies {
 public:
  void add(int64_t ns) {
    std::lock_guard lock(mu_);
    histogram_.record(ns);
  }
  LatencySummary summary() {
    std::lock_guard lock(mu_);
    return histogram_.summary();
  }

 private:
  std::mutex mu_;
  LatencyHistogram histogram_;
};

// What the producers, the consumer and the delivery callbacks of one run share.
struct Run {
  const KafkaLoadOptions& options;
  Latencies ack_latency;
  Latencies end_to_end;
  std::atomic<int64_t> sent{0};
  std::atomic<int64_t> acknowledged{0};
  std::atomic<int64_t> failed{0};
  std::atomic<int64_t> consumed{0};
  int64_t first_consumed_ns = 0;  // written by the consumer thread only
  int64_t last_consumed_ns = 0;
  std::atomic<bool> consumer_ready{false};
  std::atomic<bool> consumer_done{false};
  std::mutex error_mu;
  std::string error;

  void fail(const std::string& what) {
    std::lock_guard lock(error_mu);
    if (error.empty()) error = what;
  }
};

rd_kafka_conf_t* make_config(Run& run, const std::vector<std::pair<std::string, std::string>>& kv) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  rd_kafka_conf_set(conf, "bootstrap.servers", run.options.bootstrap.c_str(), error, sizeof(error));
  for (const auto& [key, value] : kv) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof(error)) !=
        RD_KAFKA_CONF_OK) {
      run.fail(key + ": " + error);
    }
  }
  rd_kafka_conf_set_opaque(conf, &run);
  return conf;
}

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto& run = *static_cast<Run*>(opaque);
  if (message->err) {
    if (run.failed++ == 0) run.fail(std::string("delivery: ") + rd_kafka_err2str(message->err));
    return;
  }
  int64_t sent;
  std::memcpy(&sent, message->payload, sizeof(sent));
  run.ack_latency.add(now_ns() - sent);
  ++run.acknowledged;
}

void produce(Run& run, int64_t count, int64_t start_ns) {
  const KafkaLoadOptions& options = run.options;
  rd_kafka_conf_t* conf = make_config(run, {{"acks", options.acks},
                                            {"linger.ms", std::to_string(options.linger_ms)},
                                            {"queue.buffering.max.messages", "1000000"}});
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  char error[512];
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
  if (producer == nullptr) {
    run.fail(error);
    return;
  }
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
    ++run.sent;
    rd_kafka_poll(producer, 0);
  }
  rd_kafka_flush(producer, 120'000);
  rd_kafka_destroy(producer);
}

// Reads every record from every partition of the topic, recording end-to-end latency.
void consume(Run& run) {
  const KafkaLoadOptions& options = run.options;
  rd_kafka_conf_t* conf = make_config(run, {{"group.id", "kafka-load-" + options.topic},
                                            {"enable.auto.commit", "false"},
                                            {"fetch.wait.max.ms", "10"}});
  char error[512];
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error));
  if (consumer == nullptr) {
    run.fail(error);
    run.consumer_ready = true;
    run.consumer_done = true;
    return;
  }
  rd_kafka_topic_partition_list_t* partitions =
      rd_kafka_topic_partition_list_new(options.partitions);
  for (int p = 0; p < options.partitions; ++p) {
    rd_kafka_topic_partition_list_add(partitions, options.topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(consumer, partitions);
  rd_kafka_topic_partition_list_destroy(partitions);
  run.consumer_ready = true;
  const auto deadline = Clock::now() + std::chrono::minutes(5);
  while (run.consumed < options.records && Clock::now() < deadline && run.failed == 0) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer, 100);
    if (message == nullptr) continue;
    if (!message->err && message->len >= sizeof(int64_t)) {
      int64_t sent;
      std::memcpy(&sent, message->payload, sizeof(sent));
      const int64_t now = now_ns();
      run.end_to_end.add(now - sent);
      if (run.first_consumed_ns == 0) run.first_consumed_ns = now;
      run.last_consumed_ns = now;
      ++run.consumed;
    }
    rd_kafka_message_destroy(message);
  }
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  if (run.consumed < options.records && run.failed == 0) {
    run.fail("the consumer saw " + std::to_string(run.consumed.load()) + " of " +
             std::to_string(options.records) + " records within 5 minutes");
  }
  run.consumer_done = true;
}

}  // namespace

Result<KafkaLoadResult> run_kafka_load(
    KafkaLoadOptions options, const std::function<void(const KafkaLoadProgress&)>& progress) {
  if (options.record_size < 8) return Status::invalid_argument("record size below 8 bytes");
  if (options.producers < 1) return Status::invalid_argument("no producers");
  if (options.topic.empty()) options.topic = "kafka-load-" + std::to_string(now_ns());
  Run run{options};
  SLUICE_RETURN_IF_ERROR(
      create_kafka_topic(run.options.bootstrap, run.options.topic, run.options.partitions));

  std::thread consumer(consume, std::ref(run));
  while (!run.consumer_ready) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const auto start = Clock::now();
  const int64_t start_ns = now_ns();
  std::vector<std::thread> producers;
  for (int i = 0; i < options.producers; ++i) {
    const int64_t share =
        options.records / options.producers + (i < options.records % options.producers ? 1 : 0);
    producers.emplace_back(produce, std::ref(run), share, start_ns);
  }
  // The produce time ends when the last producer has flushed, which a joiner notes.
  std::atomic<int64_t> produced_ns{0};
  std::thread joiner([&] {
    for (auto& producer : producers) producer.join();
    produced_ns = now_ns();
  });
  auto last_report = Clock::now();
  while (produced_ns == 0 || !run.consumer_done) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (progress && Clock::now() - last_report >= std::chrono::milliseconds(500)) {
      last_report = Clock::now();
      progress({run.sent, run.acknowledged, run.consumed,
                std::chrono::duration<double>(last_report - start).count()});
    }
  }
  joiner.join();
  consumer.join();
  const double produce_seconds = static_cast<double>(produced_ns - start_ns) / 1e9;
  if (!run.error.empty()) return Status::io_error(run.error);

  KafkaLoadResult result;
  result.topic = options.topic;
  result.records = options.records;
  result.produce_seconds = produce_seconds;
  result.records_per_second = static_cast<double>(options.records) / produce_seconds;
  result.megabytes_per_second =
      static_cast<double>(options.records) * options.record_size / 1e6 / produce_seconds;
  result.ack = run.ack_latency.summary();
  result.end_to_end = run.end_to_end.summary();
  if (options.replay) {
    // A fresh group reads everything from the beginning: the records are all there, so this
    // measures how fast the broker serves a backlog, not how fast the producers fill it.
    options.topic = result.topic;
    Run replay{options};
    consume(replay);
    if (!replay.error.empty()) return Status::io_error("replay: " + replay.error);
    const double seconds =
        static_cast<double>(replay.last_consumed_ns - replay.first_consumed_ns) / 1e9;
    if (seconds > 0) {
      result.replay_records_per_second = static_cast<double>(options.records) / seconds;
      result.replay_megabytes_per_second =
          static_cast<double>(options.records) * options.record_size / 1e6 / seconds;
    }
  }
  return result;
}

Status create_kafka_topic(const std::string& bootstrap, const std::string& topic_name,
                          int partitions) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof(error)) !=
      RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return Status::invalid_argument(error);
  }
  rd_kafka_t* admin = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
  if (admin == nullptr) {
    rd_kafka_conf_destroy(conf);  // still ours when rd_kafka_new fails
    return Status::invalid_argument(error);
  }
  rd_kafka_NewTopic_t* topic =
      rd_kafka_NewTopic_new(topic_name.c_str(), partitions, 1, error, sizeof(error));
  rd_kafka_queue_t* queue = rd_kafka_queue_new(admin);
  rd_kafka_CreateTopics(admin, &topic, 1, nullptr, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 30'000);
  std::string failure;
  if (event == nullptr || rd_kafka_event_error(event)) {
    failure = event == nullptr ? "no answer" : rd_kafka_event_error_string(event);
  } else {
    size_t count = 0;
    const auto* results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
    if (count != 1) failure = "no result";
    if (count == 1 && rd_kafka_topic_result_error(results[0])) {
      failure = rd_kafka_topic_result_error_string(results[0]);
    }
  }
  if (event != nullptr) rd_kafka_event_destroy(event);
  rd_kafka_NewTopic_destroy(topic);
  rd_kafka_queue_destroy(queue);
  rd_kafka_destroy(admin);
  if (!failure.empty()) {
    return Status::io_error("CreateTopics '" + topic_name + "' at " + bootstrap + ": " + failure);
  }
  return Status::ok();
}

}  // namespace sluice::loadgen
