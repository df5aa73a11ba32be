// A consumer never receives a record before it is durable, through the real Kafka stack: the
// broker's listener and handlers over a fault-injecting file system whose fdatasync of the
// partition's segment is held open, driven by librdkafka. While that fsync runs, the record
// is written (in the page cache) but not acknowledged: Fetch must not return it and
// ListOffsets must not count it. Once the fsync ends, the producer's acks=all delivery
// succeeds and the consumer gets the record.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cluster/local_placement.h"
#include "common/asio.h"
#include "common/fault_injecting_file_system.h"
#include "groups/group_coordinator.h"
#include "groups/offset_store.h"
#include "kafka/server/broker.h"
#include "kafka/server/listener.h"
#include "topics/producer_id_allocator.h"
#include "topics/topic_manager.h"

namespace sluice::kafka::server {
namespace {

using namespace std::chrono_literals;

constexpr char kTopic[] = "held";

// Holds every fdatasync of the topic's segment files until opened (not its leader-epoch
// checkpoint, which is written before the first batch).
class SyncGate {
 public:
  void hold(const std::filesystem::path& path) {
    if (path.extension() != ".log" ||
        path.string().find(std::string("/") + kTopic + "/") == std::string::npos) {
      return;
    }
    std::unique_lock lock(mu_);
    if (open_) return;
    ++held_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
  }
  bool wait_until_holding(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return held_ > 0; });
  }
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void close() {
    std::lock_guard lock(mu_);
    open_ = false;
    held_ = 0;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  int held_ = 0;
};

rd_kafka_conf_t* client_config(const std::string& bootstrap) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[256];
  EXPECT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof(error)),
            RD_KAFKA_CONF_OK)
      << error;
  return conf;
}

void set(rd_kafka_conf_t* conf, const char* key, const char* value) {
  char error[256];
  ASSERT_EQ(rd_kafka_conf_set(conf, key, value, error, sizeof(error)), RD_KAFKA_CONF_OK) << error;
}

struct Delivery {
  std::atomic<int> delivered{0};
  std::atomic<int> failed{0};
};

class FetchDurabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_.set_sync_hook([this](const std::filesystem::path& path) { gate_.hold(path); });
    auto topics = topics::TopicManager::open("/data/topics", topics::TopicDefaults{}, fs_);
    ASSERT_TRUE(topics.is_ok()) << topics.status().to_string();
    topics_ = std::move(*topics);
    ASSERT_TRUE(topics_->create_topic(kTopic, 1, {}).is_ok());
    auto offsets = groups::OffsetStore::open("/data/groups", storage::LogConfig{}, fs_);
    ASSERT_TRUE(offsets.is_ok()) << offsets.status().to_string();
    offsets_ = std::move(*offsets);
    coordinator_ = std::make_unique<groups::GroupCoordinator>(*offsets_, groups::GroupConfig{});
    auto ids = topics::ProducerIdAllocator::open("/data/producer-ids", fs_);
    ASSERT_TRUE(ids.is_ok()) << ids.status().to_string();
    producer_ids_ = std::move(*ids);

    placement_ = std::make_unique<cluster::LocalPlacement>(*topics_, 0, "sluice-test");
    broker_ = std::make_unique<KafkaBroker>(BrokerContext{
        *topics_, *placement_, *coordinator_, *offsets_, *producer_ids_, pool_, BrokerOptions{}});
    ListenerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    listener_ = std::make_unique<KafkaListener>(io_, *broker_, options);
    ASSERT_TRUE(listener_->start().is_ok());
    placement_->set_advertised("127.0.0.1", listener_->port());
    bootstrap_ = "127.0.0.1:" + std::to_string(listener_->port());
    for (int i = 0; i < 2; ++i) io_threads_.emplace_back([this] { io_.run(); });
  }

  void TearDown() override {
    gate_.open();
    if (listener_) listener_->stop();
    io_.stop();
    for (auto& thread : io_threads_) thread.join();
    pool_.join();
  }

  rd_kafka_t* producer(Delivery* delivery) {
    rd_kafka_conf_t* conf = client_config(bootstrap_);
    set(conf, "acks", "all");
    set(conf, "linger.ms", "0");
    set(conf, "message.timeout.ms", "30000");
    rd_kafka_conf_set_opaque(conf, delivery);
    rd_kafka_conf_set_dr_msg_cb(conf,
                                [](rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
                                  auto* d = static_cast<Delivery*>(opaque);
                                  (message->err ? d->failed : d->delivered)++;
                                });
    char error[256];
    rd_kafka_t* client = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
    EXPECT_NE(client, nullptr) << error;
    return client;
  }

  rd_kafka_t* consumer() {
    rd_kafka_conf_t* conf = client_config(bootstrap_);
    set(conf, "group.id", "fetch-durability");
    set(conf, "enable.auto.commit", "false");
    set(conf, "fetch.wait.max.ms", "50");
    char error[256];
    rd_kafka_t* client = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error));
    EXPECT_NE(client, nullptr) << error;
    rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(assignment, kTopic, 0)->offset = 0;
    EXPECT_EQ(rd_kafka_assign(client, assignment), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(assignment);
    return client;
  }

  // The first record the consumer returns within `timeout`, or "" when none came.
  static std::string poll_value(rd_kafka_t* client, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      rd_kafka_message_t* message = rd_kafka_consumer_poll(client, 50);
      if (message == nullptr) continue;
      std::string value;
      if (!message->err) value.assign(static_cast<const char*>(message->payload), message->len);
      rd_kafka_message_destroy(message);
      if (!value.empty()) return value;
    }
    return "";
  }

  sluice::testing::FaultInjectingFileSystem fs_;
  SyncGate gate_;
  std::unique_ptr<topics::TopicManager> topics_;
  std::unique_ptr<cluster::LocalPlacement> placement_;
  std::unique_ptr<groups::OffsetStore> offsets_;
  std::unique_ptr<groups::GroupCoordinator> coordinator_;
  std::unique_ptr<topics::ProducerIdAllocator> producer_ids_;
  asio::thread_pool pool_{4};
  asio::io_context io_;
  std::unique_ptr<KafkaBroker> broker_;
  std::unique_ptr<KafkaListener> listener_;
  std::vector<std::thread> io_threads_;
  std::string bootstrap_;
};

TEST_F(FetchDurabilityTest, ARecordIsNotServedWhileItsFsyncRuns) {
  rd_kafka_t* reader = consumer();
  // The consumer is fetching (and long-polling) before the record arrives.
  EXPECT_EQ(poll_value(reader, 300ms), "");

  gate_.close();
  Delivery delivery;
  rd_kafka_t* writer = producer(&delivery);
  ASSERT_EQ(rd_kafka_producev(writer, RD_KAFKA_V_TOPIC(kTopic), RD_KAFKA_V_PARTITION(0),
                              RD_KAFKA_V_VALUE(const_cast<char*>("held-record"), 11),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_poll(writer, 0);
  // The record is written and its fdatasync has started (and is held).
  ASSERT_TRUE(gate_.wait_until_holding(10s));
  EXPECT_EQ(topics_->partition(kTopic, 0)->log().log_end_offset(), 1);

  // During the fsync: nothing fetched, nothing counted, nothing acknowledged.
  EXPECT_EQ(poll_value(reader, 1s), "");
  int64_t low = -1;
  int64_t high = -1;
  ASSERT_EQ(rd_kafka_query_watermark_offsets(reader, kTopic, 0, &low, &high, 5000),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(high, 0);
  rd_kafka_poll(writer, 0);
  EXPECT_EQ(delivery.delivered.load(), 0);

  // The fsync ends: the producer is answered and the consumer gets the record.
  gate_.open();
  EXPECT_EQ(rd_kafka_flush(writer, 10'000), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(delivery.delivered.load(), 1);
  EXPECT_EQ(delivery.failed.load(), 0);
  EXPECT_EQ(poll_value(reader, 10s), "held-record");
  ASSERT_EQ(rd_kafka_query_watermark_offsets(reader, kTopic, 0, &low, &high, 5000),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(high, 1);

  rd_kafka_destroy(writer);
  rd_kafka_consumer_close(reader);
  rd_kafka_destroy(reader);
}

}  // namespace
}  // namespace sluice::kafka::server
