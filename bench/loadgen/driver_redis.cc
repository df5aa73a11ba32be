// Redis Streams driver (hiredis): producers pipeline XADDs on their own connection (one
// round trip per batch); consumers share one consumer group and read with XREADGROUP, then
// XACK what they read. The stream is capped (MAXLEN ~ 2,000,000) so that a max-rate run
// cannot exhaust memory; consumers normally stay far closer than that behind.
#include <hiredis/hiredis.h>

#include <chrono>

#include "bench/loadgen/drivers.h"
#include "loadgen/workload.h"

namespace sluice::loadgen {

namespace {

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

struct ContextDeleter {
  void operator()(redisContext* context) const { redisFree(context); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

Result<Context> connect(const std::string& host, int port) {
  Context context(redisConnect(host.c_str(), port));
  if (!context) return Status::io_error("redis: out of memory");
  if (context->err) return Status::io_error("connect redis " + host + ": " + context->errstr);
  return context;
}

// Checks a reply; `reply` may be null (connection error).
Status check(redisContext* context, const Reply& reply, const std::string& what) {
  if (!reply) return Status::io_error(what + ": " + context->errstr);
  if (reply->type == REDIS_REPLY_ERROR) return Status::io_error(what + ": " + reply->str);
  return Status::ok();
}

Reply command_argv(redisContext* context, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::string& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  return Reply(static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(args.size()), argv.data(), lengths.data())));
}

class RedisProducer final : public Producer {
 public:
  RedisProducer(Context context, std::string key)
      : context_(std::move(context)), key_(std::move(key)) {}

  Status send(const std::vector<std::string>& payloads) override {
    for (const std::string& payload : payloads) {
      redisAppendCommand(context_.get(), "XADD %s MAXLEN ~ 2000000 * d %b", key_.c_str(),
                         payload.data(), payload.size());
    }
    for (size_t i = 0; i < payloads.size(); ++i) {
      void* raw = nullptr;
      redisGetReply(context_.get(), &raw);
      SLUICE_RETURN_IF_ERROR(check(context_.get(), Reply(static_cast<redisReply*>(raw)), "XADD"));
    }
    return Status::ok();
  }

 private:
  Context context_;
  std::string key_;
};

class RedisConsumer final : public Consumer {
 public:
  RedisConsumer(Context context, std::string key, std::string name)
      : context_(std::move(context)), key_(std::move(key)), name_(std::move(name)) {}

  Status poll(int timeout_ms, const std::function<void(std::string_view)>& on_message) override {
    const Reply reply =
        command_argv(context_.get(), {"XREADGROUP", "GROUP", "consumers", name_, "COUNT", "500",
                                      "BLOCK", std::to_string(timeout_ms), "STREAMS", key_, ">"});
    SLUICE_RETURN_IF_ERROR(check(context_.get(), reply, "XREADGROUP"));
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) return Status::ok();  // timeout
    // [[key, [[id, [field, value]], ...]]]
    const redisReply* entries = reply->element[0]->element[1];
    std::vector<std::string> ack{"XACK", key_, "consumers"};
    for (size_t i = 0; i < entries->elements; ++i) {
      const redisReply* entry = entries->element[i];
      ack.emplace_back(entry->element[0]->str, entry->element[0]->len);
      const redisReply* fields = entry->element[1];
      if (fields->elements >= 2) on_message({fields->element[1]->str, fields->element[1]->len});
    }
    if (ack.size() > 3) {
      SLUICE_RETURN_IF_ERROR(check(context_.get(), command_argv(context_.get(), ack), "XACK"));
    }
    return Status::ok();
  }

 private:
  Context context_;
  std::string key_;
  std::string name_;
};

class RedisDriver final : public Driver {
 public:
  explicit RedisDriver(const std::string& address) {
    const size_t colon = address.rfind(':');
    host_ = address.substr(0, colon);
    port_ = colon == std::string::npos ? 6379 : std::stoi(address.substr(colon + 1));
  }

  int max_batch() const override { return 100; }

  Status setup(const WorkloadOptions&) override {
    key_ = "loadgen-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    SLUICE_ASSIGN_OR_RETURN(admin_, connect(host_, port_));
    return check(
        admin_.get(),
        command_argv(admin_.get(), {"XGROUP", "CREATE", key_, "consumers", "$", "MKSTREAM"}),
        "XGROUP CREATE");
  }

  Result<std::unique_ptr<Producer>> producer(int) override {
    SLUICE_ASSIGN_OR_RETURN(Context context, connect(host_, port_));
    return std::unique_ptr<Producer>(new RedisProducer(std::move(context), key_));
  }

  Result<std::unique_ptr<Consumer>> consumer(int index) override {
    SLUICE_ASSIGN_OR_RETURN(Context context, connect(host_, port_));
    return std::unique_ptr<Consumer>(
        new RedisConsumer(std::move(context), key_, "consumer-" + std::to_string(index)));
  }

  void teardown() override {
    if (admin_) (void)command_argv(admin_.get(), {"DEL", key_});
    admin_.reset();
  }

 private:
  std::string host_;
  int port_ = 6379;
  std::string key_;
  Context admin_;
};

}  // namespace

std::unique_ptr<Driver> make_redis_driver(std::string address) {
  return std::make_unique<RedisDriver>(address);
}

}  // namespace sluice::loadgen
