// NATS JetStream driver: a file-storage work-queue stream (one replica) on one subject;
// producers publish with up to 1,000 acknowledgements outstanding; consumers
// share one durable pull consumer with explicit acks, the JetStream form of competing consumers.
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

  ~Connection() {
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
  }

  Status open(const std::string& url) {
    if (natsStatus s = natsConnection_ConnectTo(&nc, url.c_str()); s != NATS_OK) {
      return nats_error("connect " + url, s);
    }
    jsOptions options;
    jsOptions_Init(&options);
    if (natsStatus s = natsConnection_JetStream(&js, nc, &options); s != NATS_OK) {
      return nats_error("JetStream context", s);
    }
    return Status::ok();
  }
};

// Publishes as JetStream's async publish does on the wire (a request with a reply inbox per
// message, the stream answering each with a PubAck), reading the acknowledgements itself
// after every kWindow messages (written while libnats 3.4.1 crashed with several producers
// and consumers; the cause ASan found was Fetch, see the consumer, but this path is kept
// simple and known-good).
class JetStreamProducer final : public Producer {
 public:
  JetStreamProducer(std::unique_ptr<Connection> connection, std::string subject)
      : connection_(std::move(connection)), subject_(std::move(subject)) {}
  ~JetStreamProducer() override {
    natsSubscription_Destroy(acks_);
    natsInbox_Destroy(inbox_);
  }

  Status open() {
    if (natsStatus s = natsInbox_Create(&inbox_); s != NATS_OK) return nats_error("inbox", s);
    if (natsStatus s = natsConnection_SubscribeSync(&acks_, connection_->nc, inbox_);
        s != NATS_OK) {
      return nats_error("subscribe to the inbox", s);
    }
    return Status::ok();
  }

  Status send(const std::vector<std::string>& payloads) override {
    for (const std::string& payload : payloads) {
      if (natsStatus s =
              natsConnection_PublishRequest(connection_->nc, subject_.c_str(), inbox_,
                                            payload.data(), static_cast<int>(payload.size()));
          s != NATS_OK) {
        return nats_error("publish", s);
      }
    }
    in_flight_ += static_cast<int64_t>(payloads.size());
    if (in_flight_ >= kWindow) return flush();
    return Status::ok();
  }

  Status flush() override {
    for (; in_flight_ > 0; --in_flight_) {
      natsMsg* ack = nullptr;
      if (natsStatus s = natsSubscription_NextMsg(&ack, acks_, 60'000); s != NATS_OK) {
        return nats_error("publish acknowledgement", s);
      }
      const std::string_view reply(natsMsg_GetData(ack),
                                   static_cast<size_t>(natsMsg_GetDataLength(ack)));
      const bool failed = reply.find("\"error\"") != std::string_view::npos;
      const std::string text(reply);
      natsMsg_Destroy(ack);
      if (failed) return Status::io_error("publish: " + text);
    }
    return Status::ok();
  }

 private:
  static constexpr int64_t kWindow = 1000;
  std::unique_ptr<Connection> connection_;
  std::string subject_;
  natsInbox* inbox_ = nullptr;
  natsSubscription* acks_ = nullptr;
  int64_t in_flight_ = 0;
};

class JetStreamConsumer final : public Consumer {
 public:
  JetStreamConsumer(std::unique_ptr<Connection> connection, natsSubscription* subscription)
      : connection_(std::move(connection)), subscription_(subscription) {}
  ~JetStreamConsumer() override { natsSubscription_Destroy(subscription_); }

  Status poll(int timeout_ms, const std::function<void(std::string_view)>& on_message) override {
    // The first message may take the whole timeout; the rest are taken while they arrive.
    for (int i = 0; i < 500; ++i) {
      natsMsg* message = nullptr;
      const natsStatus s =
          natsSubscription_NextMsg(&message, subscription_, i == 0 ? timeout_ms : 1);
      if (s == NATS_TIMEOUT) break;
      if (s != NATS_OK) return nats_error("next message", s);
      on_message({natsMsg_GetData(message), static_cast<size_t>(natsMsg_GetDataLength(message))});
      const natsStatus acked = natsMsg_Ack(message, nullptr);
      natsMsg_Destroy(message);
      if (acked != NATS_OK) return nats_error("ack", acked);
    }
    return Status::ok();
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
    deliver_ = stream_ + ".deliver";
    // The library initialises itself on first use, which is not safe when the producer and
    // consumer threads all connect at once: initialise it here, before they start.
    if (natsStatus s = nats_Open(-1); s != NATS_OK) return nats_error("nats_Open", s);
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
    consumer.DeliverSubject = deliver_.c_str();
    consumer.DeliverGroup = durable_.c_str();
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
    auto producer = std::make_unique<JetStreamProducer>(std::move(connection), subject_);
    SLUICE_RETURN_IF_ERROR(producer->open());
    return std::unique_ptr<Producer>(std::move(producer));
  }

  Result<std::unique_ptr<Consumer>> consumer(int) override {
    auto connection = std::make_unique<Connection>();
    SLUICE_RETURN_IF_ERROR(connection->open(url_));
    jsSubOptions options;
    jsSubOptions_Init(&options);
    options.Stream = stream_.c_str();
    options.Consumer = durable_.c_str();
    options.Queue = durable_.c_str();
    options.ManualAck = true;
    natsSubscription* subscription = nullptr;
    jsErrCode code{};
    if (natsStatus s = js_SubscribeSync(&subscription, connection->js, subject_.c_str(), nullptr,
                                        &options, &code);
        s != NATS_OK) {
      return nats_error("queue subscribe", s, code);
    }
    // MaxAckPending bounds what the server pushes; the client need not drop any.
    natsSubscription_SetPendingLimits(subscription, -1, -1);
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
  std::string deliver_;
  std::unique_ptr<Connection> admin_;
};

}  // namespace

std::unique_ptr<Driver> make_jetstream_driver(std::string address) {
  return std::make_unique<JetStreamDriver>(std::move(address));
}

}  // namespace sluice::loadgen
