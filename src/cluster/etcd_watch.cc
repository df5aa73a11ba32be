#include "cluster/etcd_watch.h"

#include <algorithm>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <thread>

#include "cluster/blocking_http_stream.h"
#include "cluster/etcd_json.h"

namespace sluice::cluster {

namespace {

namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

class EtcdWatch final : public Watch {
 public:
  EtcdWatch(std::shared_ptr<EtcdTransport> transport, std::string prefix, Revision from,
            WatchCallback callback)
      : transport_(std::move(transport)),
        prefix_(std::move(prefix)),
        next_(from),
        callback_(std::move(callback)) {
    thread_ = std::thread([this] { run(); });
  }

  ~EtcdWatch() override {
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
      if (stream_) stream_->interrupt();
      wake_.notify_all();
    }
    thread_.join();
  }

 private:
  enum class End { kBroken, kCompacted };

  bool stopped() {
    std::lock_guard lock(mu_);
    return stopped_;
  }

  void run() {
    int failures = 0;
    while (true) {
      auto stream = std::make_shared<BlockingHttpStream>();
      {
        std::lock_guard lock(mu_);
        if (stopped_) return;
        stream_ = stream;
      }
      const size_t member = transport_->preferred();
      bool established = false;
      const End end = stream_once(*stream, member, established);
      {
        std::lock_guard lock(mu_);
        stream_.reset();
      }
      if (end == End::kCompacted) return;
      if (established) {
        failures = 0;
      } else {
        transport_->member_failed(member);
        ++failures;
      }
      // Backoff before reconnecting (cut short by the destructor), so a cluster that is down
      // is not hammered.
      const auto pause = std::chrono::milliseconds(std::min(25 << std::min(failures, 5), 1000));
      std::unique_lock lock(mu_);
      if (wake_.wait_for(lock, pause, [&] { return stopped_; })) return;
    }
  }

  End stream_once(BlockingHttpStream& stream, size_t member, bool& established) {
    const EtcdEndpoint& endpoint = transport_->endpoints()[member];
    const auto& options = transport_->options();
    if (stream.connect(endpoint.host, endpoint.port, Clock::now() + options.connect_timeout))
      return End::kBroken;
    BlockingHttpStream::Request request{http::verb::post, "/v3/watch", 11};
    request.set(http::field::host, endpoint.host + ":" + endpoint.port);
    request.set(http::field::content_type, "application/json");
    request.body() = etcd_json::watch_request(prefix_, next_).dump();
    request.prepare_payload();
    if (stream.write(request, Clock::now() + options.request_timeout)) return End::kBroken;
    BlockingHttpStream::Parser parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (stream.read_header(parser, Clock::now() + options.request_timeout)) return End::kBroken;
    if (parser.get().result_int() != 200) return End::kBroken;
    while (true) {
      const auto ec = stream.read_some(parser, Clock::time_point::max());
      // The gateway writes one JSON message per line.
      std::string& body = parser.get().body();
      size_t start = 0;
      for (size_t newline; (newline = body.find('\n', start)) != std::string::npos;
           start = newline + 1) {
        auto message = nlohmann::json::parse(body.begin() + static_cast<std::ptrdiff_t>(start),
                                             body.begin() + static_cast<std::ptrdiff_t>(newline),
                                             nullptr, false);
        if (message.is_discarded()) return End::kBroken;
        if (auto end = handle(message, established)) return *end;
      }
      body.erase(0, start);
      if (ec) return End::kBroken;
    }
  }

  // Returns how the stream ends when this message ends it.
  std::optional<End> handle(const nlohmann::json& json, bool& established) {
    auto message = etcd_json::decode_watch_message(json);
    if (!message.is_ok()) {
      if (message.code() != StoreErrc::kCompacted) return End::kBroken;
      deliver(message.status());
      return End::kCompacted;
    }
    if (message->compact_revision > 0) {
      deliver(StoreStatus::compacted(
          "revision " + std::to_string(next_) +
          " is compacted (oldest kept: " + std::to_string(message->compact_revision) + ")"));
      return End::kCompacted;
    }
    if (message->canceled) return End::kBroken;
    if (message->created) {
      established = true;
      // "From now on" becomes a definite revision, so a reconnect resumes without a gap.
      if (next_ == 0) next_ = message->header_revision + 1;
    }
    if (message->events.empty()) return std::nullopt;
    next_ = message->events.back().kv.mod_revision + 1;
    deliver(std::move(message->events));
    return std::nullopt;
  }

  void deliver(StoreResult<std::vector<WatchEvent>> batch) {
    if (stopped()) return;
    callback_(std::move(batch));
  }

  const std::shared_ptr<EtcdTransport> transport_;
  const std::string prefix_;
  Revision next_;  // the first revision not yet delivered; 0 before the stream says "now"
  const WatchCallback callback_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopped_ = false;
  std::shared_ptr<BlockingHttpStream> stream_;  // the open stream, for the destructor
  std::thread thread_;
};

}  // namespace

std::unique_ptr<Watch> start_etcd_watch(std::shared_ptr<EtcdTransport> transport,
                                        std::string prefix, Revision from_revision,
                                        WatchCallback callback) {
  return std::make_unique<EtcdWatch>(std::move(transport), std::move(prefix), from_revision,
                                     std::move(callback));
}

}  // namespace sluice::cluster
