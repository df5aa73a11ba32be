// Kafka driver: one librdkafka producer per producer thread (default partitioner, so an
// unkeyed message goes to any partition), and consumers that each take a fixed share of the
// partitions by assignment (no group rebalance eats into the run). The topic has
// max(producers, consumers) partitions.
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>

#include "bench/loadgen/drivers.h"
#include "loadgen/kafka_load.h"
#include "loadgen/workload.h"

namespace sluice::loadgen {

namespace {

using Config = std::vector<std::pair<std::string, std::string>>;

Result<rd_kafka_t*> make_client(rd_kafka_type_t type, const std::string& bootstrap,
                                const Config& config, void* opaque = nullptr,
                                void (*on_delivery)(rd_kafka_t*, const rd_kafka_message_t*,
                                                    void*) = nullptr) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  Config all = config;
  all.emplace_back("bootstrap.servers", bootstrap);
  for (const auto& [key, value] : all) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof(error)) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Status::invalid_argument(key + ": " + error);
    }
  }
  if (on_delivery != nullptr) rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, opaque);
  rd_kafka_t* client = rd_kafka_new(type, conf, error, sizeof(error));
  if (client == nullptr) return Status::invalid_argument(error);
  return client;
}

struct DeliveryErrors {
  std::atomic<int64_t> count{0};
  std::string first;  // written by the callback before count turns 1
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  if (!message->err) return;
  auto& errors = *static_cast<DeliveryErrors*>(opaque);
  if (errors.count == 0) errors.first = rd_kafka_err2str(message->err);
  ++errors.count;
}

class KafkaProducer final : public Producer {
 public:
  explicit KafkaProducer(rd_kafka_t* client, std::unique_ptr<DeliveryErrors> errors,
                         std::string topic)
      : client_(client), errors_(std::move(errors)), topic_(std::move(topic)) {}
  ~KafkaProducer() override { rd_kafka_destroy(client_); }

  Status send(const std::vector<std::string>& payloads) override {
    for (const std::string& payload : payloads) {
      rd_kafka_resp_err_t err;
      while ((err = rd_kafka_producev(
                  client_, RD_KAFKA_V_TOPIC(topic_.c_str()),
                  RD_KAFKA_V_VALUE(const_cast<char*>(payload.data()), payload.size()),
                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END)) ==
             RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(client_, 1);
      }
      if (err) return Status::io_error(rd_kafka_err2str(err));
    }
    rd_kafka_poll(client_, 0);
    return check();
  }

  Status flush() override {
    if (rd_kafka_flush(client_, 60'000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::io_error("flush timed out");
    }
    return check();
  }

 private:
  Status check() const {
    if (errors_->count > 0) return Status::io_error("delivery: " + errors_->first);
    return Status::ok();
  }
  rd_kafka_t* client_;
  std::unique_ptr<DeliveryErrors> errors_;
  std::string topic_;
};

class KafkaConsumer final : public Consumer {
 public:
  explicit KafkaConsumer(rd_kafka_t* client) : client_(client) {}
  ~KafkaConsumer() override {
    rd_kafka_consumer_close(client_);
    rd_kafka_destroy(client_);
  }

  Status poll(int timeout_ms, const std::function<void(std::string_view)>& on_message) override {
    // A batch per call: the first message waits up to the timeout, the rest are taken as
    // they already sit in librdkafka's queue.
    for (int i = 0; i < 1000; ++i) {
      rd_kafka_message_t* message = rd_kafka_consumer_poll(client_, i == 0 ? timeout_ms : 0);
      if (message == nullptr) break;
      if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        on_message({static_cast<const char*>(message->payload), message->len});
      } else if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        std::string error = rd_kafka_message_errstr(message);
        rd_kafka_message_destroy(message);
        return Status::io_error(error);
      }
      rd_kafka_message_destroy(message);
    }
    return Status::ok();
  }

 private:
  rd_kafka_t* client_;
};

class KafkaDriver final : public Driver {
 public:
  KafkaDriver(std::string bootstrap, std::string acks)
      : bootstrap_(std::move(bootstrap)), acks_(std::move(acks)) {}

  int max_batch() const override { return 1000; }

  Status setup(const WorkloadOptions& options) override {
    partitions_ = std::max(options.producers, options.consumers);
    consumers_ = options.consumers;
    topic_ =
        "loadgen-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    return create_kafka_topic(bootstrap_, topic_, partitions_);
  }

  Result<std::unique_ptr<Producer>> producer(int) override {
    auto errors = std::make_unique<DeliveryErrors>();
    // linger.ms=1 batches what arrives together without holding a lone message long; the
    // local queue is bounded so that max rate measures the broker, not client memory.
    SLUICE_ASSIGN_OR_RETURN(
        rd_kafka_t * client,
        make_client(
            RD_KAFKA_PRODUCER, bootstrap_,
            {{"acks", acks_}, {"linger.ms", "1"}, {"queue.buffering.max.messages", "20000"}},
            errors.get(), on_delivery));
    return std::unique_ptr<Producer>(new KafkaProducer(client, std::move(errors), topic_));
  }

  Result<std::unique_ptr<Consumer>> consumer(int index) override {
    SLUICE_ASSIGN_OR_RETURN(rd_kafka_t * client, make_client(RD_KAFKA_CONSUMER, bootstrap_,
                                                             {{"group.id", topic_},
                                                              {"enable.auto.commit", "false"},
                                                              {"fetch.wait.max.ms", "5"}}));
    rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(partitions_);
    for (int p = index; p < partitions_; p += consumers_) {
      rd_kafka_topic_partition_list_add(assignment, topic_.c_str(), p)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_assign(client, assignment);
    rd_kafka_topic_partition_list_destroy(assignment);
    return std::unique_ptr<Consumer>(new KafkaConsumer(client));
  }

 private:
  std::string bootstrap_;
  std::string acks_;
  std::string topic_;
  int partitions_ = 1;
  int consumers_ = 1;
};

}  // namespace

std::unique_ptr<Driver> make_kafka_driver(std::string bootstrap, std::string acks) {
  return std::make_unique<KafkaDriver>(std::move(bootstrap), std::move(acks));
}

}  // namespace sluice::loadgen
