// RabbitMQ driver (AMQP 0-9-1 over librabbitmq). Producers publish to the default exchange
// with publisher confirms, keeping up to 1,000 unconfirmed messages in flight (flush waits
// for the rest); consumers take deliveries with a prefetch of 1,000 and ack them in batches.
// Queue types: "quorum" (durable, persistent messages: RabbitMQ's durable queue), "classic"
// (non-durable queue, transient messages: what a bare queue.declare gives), "stream".
#include <amqp.h>
#include <amqp_tcp_socket.h>

#include <algorithm>
#include <chrono>

#include "bench/loadgen/drivers.h"
#include "loadgen/workload.h"

namespace sluice::loadgen {

namespace {

Status reply_error(const std::string& what, const amqp_rpc_reply_t& reply) {
  switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return Status::ok();
    case AMQP_RESPONSE_NONE:
      return Status::io_error(what + ": no reply");
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return Status::io_error(what + ": " + amqp_error_string2(reply.library_error));
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        const auto* close = static_cast<amqp_channel_close_t*>(reply.reply.decoded);
        return Status::io_error(
            what + ": " +
            std::string(static_cast<const char*>(close->reply_text.bytes), close->reply_text.len));
      }
      return Status::io_error(what + ": server exception");
  }
  return Status::io_error(what);
}

// One connection with channel 1 open.
class Connection {
 public:
  ~Connection() {
    if (state_ != nullptr) {
      amqp_channel_close(state_, 1, AMQP_REPLY_SUCCESS);
      amqp_connection_close(state_, AMQP_REPLY_SUCCESS);
      amqp_destroy_connection(state_);
    }
  }

  Status open(const std::string& host, int port) {
    state_ = amqp_new_connection();
    amqp_socket_t* socket = amqp_tcp_socket_new(state_);
    if (socket == nullptr) return Status::io_error("amqp socket");
    if (int rc = amqp_socket_open(socket, host.c_str(), port); rc != AMQP_STATUS_OK) {
      return Status::io_error("connect " + host + ":" + std::to_string(port) + ": " +
                              amqp_error_string2(rc));
    }
    SLUICE_RETURN_IF_ERROR(reply_error(
        "login", amqp_login(state_, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest")));
    amqp_channel_open(state_, 1);
    return check("channel.open");
  }

  Status check(const std::string& what) { return reply_error(what, amqp_get_rpc_reply(state_)); }
  amqp_connection_state_t state() const { return state_; }

 private:
  amqp_connection_state_t state_ = nullptr;
};

class RabbitProducer final : public Producer {
 public:
  RabbitProducer(std::unique_ptr<Connection> connection, std::string queue, bool persistent)
      : connection_(std::move(connection)), queue_(std::move(queue)) {
    properties_._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
    properties_.delivery_mode = persistent ? 2 : 1;
  }

  Status send(const std::vector<std::string>& payloads) override {
    for (const std::string& payload : payloads) {
      const amqp_bytes_t body{payload.size(), const_cast<char*>(payload.data())};
      const int rc =
          amqp_basic_publish(connection_->state(), 1, amqp_empty_bytes,
                             amqp_cstring_bytes(queue_.c_str()), 0, 0, &properties_, body);
      if (rc != AMQP_STATUS_OK)
        return Status::io_error(std::string("publish: ") + amqp_error_string2(rc));
      ++published_;
    }
    // Take the confirms that have arrived; block only while the window is full.
    SLUICE_RETURN_IF_ERROR(read_confirms(false));
    while (published_ - confirmed_ > kWindow) SLUICE_RETURN_IF_ERROR(read_confirms(true));
    return Status::ok();
  }

  Status flush() override {
    while (confirmed_ < published_) SLUICE_RETURN_IF_ERROR(read_confirms(true));
    return Status::ok();
  }

 private:
  static constexpr uint64_t kWindow = 1000;

  // Reads confirm frames: one blocking wait if `block`, then whatever is already buffered.
  Status read_confirms(bool block) {
    for (bool wait = block;; wait = false) {
      amqp_frame_t frame;
      timeval zero{0, 0};
      const int rc = wait ? amqp_simple_wait_frame(connection_->state(), &frame)
                          : amqp_simple_wait_frame_noblock(connection_->state(), &frame, &zero);
      if (rc == AMQP_STATUS_TIMEOUT) return Status::ok();
      if (rc != AMQP_STATUS_OK)
        return Status::io_error(std::string("confirms: ") + amqp_error_string2(rc));
      if (frame.frame_type != AMQP_FRAME_METHOD) continue;
      if (frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
        const auto* ack = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
        // Confirms of one channel arrive in order; a single ack also covers everything
        // before it that was already confirmed.
        confirmed_ = std::max(confirmed_, ack->delivery_tag);
      } else if (frame.payload.method.id == AMQP_BASIC_NACK_METHOD) {
        return Status::io_error("the broker nacked a publish");
      } else if (frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD) {
        return Status::io_error("the broker closed the channel");
      }
    }
  }

  std::unique_ptr<Connection> connection_;
  std::string queue_;
  amqp_basic_properties_t properties_{};
  uint64_t published_ = 0;
  uint64_t confirmed_ = 0;
};

class RabbitConsumer final : public Consumer {
 public:
  explicit RabbitConsumer(std::unique_ptr<Connection> connection)
      : connection_(std::move(connection)) {}

  Status poll(int timeout_ms, const std::function<void(std::string_view)>& on_message) override {
    amqp_connection_state_t state = connection_->state();
    amqp_maybe_release_buffers(state);
    uint64_t last_tag = 0;
    for (int i = 0; i < 500; ++i) {
      timeval timeout{i == 0 ? timeout_ms / 1000 : 0, i == 0 ? (timeout_ms % 1000) * 1000 : 0};
      amqp_envelope_t envelope;
      const amqp_rpc_reply_t reply = amqp_consume_message(state, &envelope, &timeout, 0);
      if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
          reply.library_error == AMQP_STATUS_TIMEOUT) {
        break;
      }
      SLUICE_RETURN_IF_ERROR(reply_error("consume", reply));
      on_message(
          {static_cast<const char*>(envelope.message.body.bytes), envelope.message.body.len});
      last_tag = envelope.delivery_tag;
      amqp_destroy_envelope(&envelope);
    }
    if (last_tag != 0) {
      if (int rc = amqp_basic_ack(state, 1, last_tag, 1); rc != AMQP_STATUS_OK) {
        return Status::io_error(std::string("ack: ") + amqp_error_string2(rc));
      }
    }
    return Status::ok();
  }

 private:
  std::unique_ptr<Connection> connection_;
};

class RabbitDriver final : public Driver {
 public:
  RabbitDriver(std::string address, std::string queue_type) : queue_type_(std::move(queue_type)) {
    const size_t colon = address.rfind(':');
    host_ = address.substr(0, colon);
    port_ = colon == std::string::npos ? 5672 : std::stoi(address.substr(colon + 1));
  }

  int max_batch() const override { return 100; }

  Status setup(const WorkloadOptions&) override {
    queue_ =
        "loadgen-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    admin_ = std::make_unique<Connection>();
    SLUICE_RETURN_IF_ERROR(admin_->open(host_, port_));
    amqp_table_entry_t type_entry;
    type_entry.key = amqp_cstring_bytes("x-queue-type");
    type_entry.value.kind = AMQP_FIELD_KIND_UTF8;
    type_entry.value.value.bytes = amqp_cstring_bytes(queue_type_.c_str());
    const bool classic = queue_type_ == "classic";
    amqp_table_t arguments{classic ? 0 : 1, classic ? nullptr : &type_entry};
    amqp_queue_declare(admin_->state(), 1, amqp_cstring_bytes(queue_.c_str()), 0,
                       /*durable=*/classic ? 0 : 1, 0, 0, arguments);
    return admin_->check("queue.declare " + queue_type_);
  }

  Result<std::unique_ptr<Producer>> producer(int) override {
    auto connection = std::make_unique<Connection>();
    SLUICE_RETURN_IF_ERROR(connection->open(host_, port_));
    amqp_confirm_select(connection->state(), 1);
    SLUICE_RETURN_IF_ERROR(connection->check("confirm.select"));
    return std::unique_ptr<Producer>(
        new RabbitProducer(std::move(connection), queue_, queue_type_ != "classic"));
  }

  Result<std::unique_ptr<Consumer>> consumer(int) override {
    auto connection = std::make_unique<Connection>();
    SLUICE_RETURN_IF_ERROR(connection->open(host_, port_));
    amqp_basic_qos(connection->state(), 1, 0, 1000, 0);
    SLUICE_RETURN_IF_ERROR(connection->check("basic.qos"));
    amqp_basic_consume(connection->state(), 1, amqp_cstring_bytes(queue_.c_str()), amqp_empty_bytes,
                       0, /*no_ack=*/0, 0, amqp_empty_table);
    SLUICE_RETURN_IF_ERROR(connection->check("basic.consume"));
    return std::unique_ptr<Consumer>(new RabbitConsumer(std::move(connection)));
  }

  void teardown() override {
    if (admin_) amqp_queue_delete(admin_->state(), 1, amqp_cstring_bytes(queue_.c_str()), 0, 0);
    admin_.reset();
  }

 private:
  std::string host_;
  int port_ = 5672;
  std::string queue_type_;
  std::string queue_;
  std::unique_ptr<Connection> admin_;
};

}  // namespace

std::unique_ptr<Driver> make_rabbitmq_driver(std::string address, std::string queue_type) {
  return std::make_unique<RabbitDriver>(std::move(address), std::move(queue_type));
}

}  // namespace sluice::loadgen
