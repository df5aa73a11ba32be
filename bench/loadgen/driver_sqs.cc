// SQS driver: SendMessageBatch (10 per call) on one keep-alive connection per producer;
// ReceiveMessage (10, long poll) then DeleteMessageBatch on one connection per consumer.
#include <chrono>
#include <thread>

#include "bench/loadgen/drivers.h"
#include "bench/sqs_client.h"
#include "loadgen/workload.h"

namespace sluice::loadgen {

namespace {

using bench::SqsClient;
using nlohmann::json;

// Runs `work`, turning the client's exceptions into a Status.
template <typename Work>
Status guarded(Work work) {
  try {
    work();
    return Status::ok();
  } catch (const std::exception& error) {
    return Status::io_error(error.what());
  }
}

class SqsProducer final : public Producer {
 public:
  SqsProducer(const bench::SqsEndpoint& endpoint, std::string url)
      : client_(endpoint), url_(std::move(url)) {}

  Status send(const std::vector<std::string>& payloads) override {
    return guarded([&] {
      for (size_t first = 0; first < payloads.size(); first += 10) {
        json entries = json::array();
        for (size_t i = first; i < payloads.size() && i < first + 10; ++i) {
          entries.push_back({{"Id", std::to_string(i)}, {"MessageBody", payloads[i]}});
        }
        const json result =
            client_.call("SendMessageBatch", {{"QueueUrl", url_}, {"Entries", entries}});
        if (result.contains("Failed") && !result["Failed"].empty()) {
          throw std::runtime_error("SendMessageBatch: " + result["Failed"].dump());
        }
      }
    });
  }

 private:
  SqsClient client_;
  std::string url_;
};

class SqsConsumer final : public Consumer {
 public:
  SqsConsumer(const bench::SqsEndpoint& endpoint, std::string url)
      : client_(endpoint), url_(std::move(url)) {}

  Status poll(int timeout_ms, const std::function<void(std::string_view)>& on_message) override {
    return guarded([&] {
      // Long polls take whole seconds; below one second poll without waiting.
      const json result = client_.call("ReceiveMessage", {{"QueueUrl", url_},
                                                          {"MaxNumberOfMessages", 10},
                                                          {"WaitTimeSeconds", timeout_ms / 1000}});
      if (!result.contains("Messages") || result["Messages"].empty()) {
        if (timeout_ms < 1000) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return;
      }
      json entries = json::array();
      int id = 0;
      for (const json& message : result["Messages"]) {
        on_message(message["Body"].get_ref<const std::string&>());
        entries.push_back(
            {{"Id", std::to_string(id++)}, {"ReceiptHandle", message["ReceiptHandle"]}});
      }
      const json deleted =
          client_.call("DeleteMessageBatch", {{"QueueUrl", url_}, {"Entries", entries}});
      if (deleted.contains("Failed") && !deleted["Failed"].empty()) {
        throw std::runtime_error("DeleteMessageBatch: " + deleted["Failed"].dump());
      }
    });
  }

 private:
  SqsClient client_;
  std::string url_;
};

class SqsDriver final : public Driver {
 public:
  explicit SqsDriver(std::string endpoint) : endpoint_(bench::parse_sqs_endpoint(endpoint)) {}

  int max_batch() const override { return 10; }

  Status setup(const WorkloadOptions&) override {
    const std::string name =
        "loadgen-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    return guarded([&] {
      SqsClient client(endpoint_);
      url_ = client.call("CreateQueue", {{"QueueName", name}})["QueueUrl"].get<std::string>();
    });
  }

  Result<std::unique_ptr<Producer>> producer(int) override {
    std::unique_ptr<Producer> producer;
    SLUICE_RETURN_IF_ERROR(
        guarded([&] { producer = std::make_unique<SqsProducer>(endpoint_, url_); }));
    return producer;
  }

  Result<std::unique_ptr<Consumer>> consumer(int) override {
    std::unique_ptr<Consumer> consumer;
    SLUICE_RETURN_IF_ERROR(
        guarded([&] { consumer = std::make_unique<SqsConsumer>(endpoint_, url_); }));
    return consumer;
  }

  void teardown() override {
    (void)guarded([&] { SqsClient(endpoint_).call("DeleteQueue", {{"QueueUrl", url_}}); });
  }

 private:
  bench::SqsEndpoint endpoint_;
  std::string url_;
};

}  // namespace

std::unique_ptr<Driver> make_sqs_driver(std::string endpoint) {
  return std::make_unique<SqsDriver>(std::move(endpoint));
}

}  // namespace sluice::loadgen
