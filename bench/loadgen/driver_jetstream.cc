// NATS JetStream driver: a file-storage work-queue stream (one replica) on one subject;
// producers publish asynchronously (libnats bounds what is in flight and flush waits for the
// acknowledgements); consumers share one durable pull consumer with explicit acks, the
// JetStream form of competing consumers.
#include <nats/nats.h>

#include <atomic>
#include <chrono>

#include "bench/loadgen/drivers.h"
#include "loadgen/workload.h"

namespace sluice::loadgen {

namespace {

Status nats_error(const std::string& what, natsStatus status, jsErrCode code = jsErrCode(0)) {
  std::string message = what + ": " + natsStatus_GetText(status);
  if (code != 0) message += " (JetStream error " + std::to_string(code) + ")";
  if (const char* last = nats_GetLastError(nullptr); last != nullptr && *last != '\0') {
    message += ": " + std::string(last);
  }
  return Status::io_error(message);
}

// One connection and its JetStream context.
struct Connection {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  std::atomic<int64_t> publish_errors{0};

  ~Connection() {
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
  }

  static void on_publish_error(jsCtx*, jsPubAckErr* error, void* closure) {
    ++static_cast<Connection*>(closure)->publish_errors;
    (void)error;
  }

  Status open(const std::string& url) {
    if (natsStatus s = natsConnection_ConnectTo(&nc, url.c_str()); s != NATS_OK) {
      return nats_error("connect " + url, s);
    }
    jsOptions options;
    jsOptions_Init(&options);
    options.PublishAsync.MaxPending = 1000;
    options.PublishAsync.ErrHandler = on_publish_error;
    options.PublishAsync.ErrHandlerClosure = this;
    options.PublishAsync.StallWait = 1000;
    if (natsStatus s = natsConnection_JetStream(&js, nc, &options); s != NATS_OK) {
      return nats_error("JetStream context", s);
    }
    return Status::ok();
  }
};

class JetStreamProducer final : public Producer {
 public:
  JetStreamProducer(std::unique_ptr<Connection> connection, std::string subject)
      : connection_(std::move(connection)), subject_(std::move(subject)) {}

  Status send(const std::vector<std::string>& payloads) override {
    for (const std::string& payload : payloads) {
      natsStatus s;
      // NATS_TIMEOUT: MaxPending publishes were in flight for all of StallWait; try again.
      while ((s = js_PublishAsync(connection_->js, subject_.c_str(), payload.data(),
                                  static_cast<int>(payload.size()), nullptr)) == NATS_TIMEOUT) {
      }
      if (s != NATS_OK) return nats_error("publish", s);
    }
    return check();
  }

  Status flush() override {
    jsPubOptions options;
    jsPubOptions_Init(&options);
    options.MaxWait = 60'000;
    if (natsStatus s = js_PublishAsyncComplete(connection_->js, &options); s != NATS_OK) {
      return nats_error("publish complete", s);
    }
    return check();
  }

 private:
  Status check() const {
    if (connection_->publish_errors > 0) {
      return Status::io_error(std::to_string(connection_->publish_errors.load()) +
                              " asynchronous publishes failed");
    }
    return Status::ok();
  }
  std::unique_ptr<Connection> connection_;
  std::string subject_;
};

class JetStreamConsumer final : public Consumer {
 public:
  JetStreamConsumer(std::unique_ptr<Connection> connection, natsSubscription* subscription)
      : connection_(std::move(connection)), subscription_(subscription) {}
  ~JetStreamConsumer() override { natsSubscription_Destroy(subscription_); }

  Status poll(int timeout_ms, const std::function<void(std::string_view)>& on_message) override {
    natsMsgList list{};
    jsErrCode code{};
    const natsStatus s = natsSubscription_Fetch(&list, subscription_, 256, timeout_ms, &code);
    if (s == NATS_TIMEOUT) return Status::ok();
    if (s != NATS_OK) return nats_error("fetch", s, code);
    Status status = Status::ok();
    for (int i = 0; i < list.Count; ++i) {
      natsMsg* message = list.Msgs[i];
      on_message({natsMsg_GetData(message), static_cast<size_t>(natsMsg_GetDataLength(message))});
      if (natsStatus a = natsMsg_Ack(message, nullptr); a != NATS_OK && status.is_ok()) {
        status = nats_error("ack", a);
      }
    }
    natsMsgList_Destroy(&list);
    return status;
  }

 private:
  std::unique_ptr<Connection> connection_;
  natsSubscription* subscription_;
};

class JetStreamDriver final : public Driver {
 public:
  explicit JetStreamDriver(std::string address) : url_("nats://" + std::move(address)) {}

  int max_batch() const override { return 100; }

  Status setup(const WorkloadOptions&) override {
    stream_ =
        "loadgen-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    subject_ = stream_ + ".messages";
    durable_ = "consumers";
    admin_ = std::make_unique<Connection>();
    SLUICE_RETURN_IF_ERROR(admin_->open(url_));
    jsStreamConfig stream;
    jsStreamConfig_Init(&stream);
    stream.Name = stream_.c_str();
    const char* subjects[] = {subject_.c_str()};
    stream.Subjects = subjects;
    stream.SubjectsLen = 1;
    stream.Storage = js_FileStorage;
    stream.Retention = js_WorkQueuePolicy;
    jsErrCode code{};
    jsStreamInfo* info = nullptr;
    if (natsStatus s = js_AddStream(&info, admin_->js, &stream, nullptr, &code); s != NATS_OK) {
      return nats_error("add stream", s, code);
    }
    jsStreamInfo_Destroy(info);
    jsConsumerConfig consumer;
    jsConsumerConfig_Init(&consumer);
    consumer.Durable = durable_.c_str();
    consumer.AckPolicy = js_AckExplicit;
    consumer.MaxAckPending = 20'000;
    jsConsumerInfo* consumer_info = nullptr;
    if (natsStatus s =
            js_AddConsumer(&consumer_info, admin_->js, stream_.c_str(), &consumer, nullptr, &code);
        s != NATS_OK) {
      return nats_error("add consumer", s, code);
    }
    jsConsumerInfo_Destroy(consumer_info);
    return Status::ok();
  }

  Result<std::unique_ptr<Producer>> producer(int) override {
    auto connection = std::make_unique<Connection>();
    SLUICE_RETURN_IF_ERROR(connection->open(url_));
    return std::unique_ptr<Producer>(new JetStreamProducer(std::move(connection), subject_));
  }

  Result<std::unique_ptr<Consumer>> consumer(int) override {
    auto connection = std::make_unique<Connection>();
    SLUICE_RETURN_IF_ERROR(connection->open(url_));
    jsSubOptions options;
    jsSubOptions_Init(&options);
    options.Stream = stream_.c_str();
    options.Consumer = durable_.c_str();
    natsSubscription* subscription = nullptr;
    jsErrCode code{};
    if (natsStatus s = js_PullSubscribe(&subscription, connection->js, subject_.c_str(),
                                        durable_.c_str(), nullptr, &options, &code);
        s != NATS_OK) {
      return nats_error("pull subscribe", s, code);
    }
    return std::unique_ptr<Consumer>(new JetStreamConsumer(std::move(connection), subscription));
  }

  void teardown() override {
    if (admin_) js_DeleteStream(admin_->js, stream_.c_str(), nullptr, nullptr);
    admin_.reset();
  }

 private:
  std::string url_;
  std::string stream_;
  std::string subject_;
  std::string durable_;
  std::unique_ptr<Connection> admin_;
};

}  // namespace

std::unique_ptr<Driver> make_jetstream_driver(std::string address) {
  return std::make_unique<JetStreamDriver>(std::move(address));
}

}  // namespace sluice::loadgen
