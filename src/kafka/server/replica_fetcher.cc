#include "kafka/server/replica_fetcher.h"

#include <algorithm>
#include <chrono>

#include "common/async.h"
#include "common/coding.h"
#include "common/log.h"
#include "kafka/protocol/errors.h"
#include "kafka/protocol/header.h"
#include "kafka/protocol/messages/fetch_request.h"
#include "kafka/protocol/messages/fetch_response.h"
#include "kafka/protocol/messages/offset_for_leader_epoch_request.h"
#include "kafka/protocol/messages/offset_for_leader_epoch_response.h"

namespace sluice::kafka::server {

namespace {

using asio::ip::tcp;
using protocol::ErrorCode;
using std::chrono::milliseconds;

constexpr int16_t kFetchVersion = 11;  // replica_id, current_leader_epoch, log_start_offset
constexpr int16_t kEpochVersion = 3;   // replica_id, current_leader_epoch
constexpr uint32_t kMaxFrame = 256u << 20;
constexpr milliseconds kConnectTimeout{2000};
constexpr milliseconds kRetryPause{200};

std::shared_ptr<spdlog::logger> logger() {
  return log::get("replication");
}

template <typename T>
std::string request_frame(const T& body, int32_t correlation_id, int32_t self) {
  protocol::RequestHeader header;
  header.api_key = static_cast<int16_t>(T::kApiKey);
  header.api_version = kFetchVersion;
  if constexpr (T::kApiKey == protocol::ApiKey::kOffsetForLeaderEpoch) {
    header.api_version = kEpochVersion;
  }
  header.correlation_id = correlation_id;
  header.client_id = "sluice-replica-" + std::to_string(self);
  std::string frame(4, '\0');
  protocol::Writer writer(&frame);
  header.encode(writer, protocol::request_header_version(header.api_key, header.api_version));
  body.encode(writer, header.api_version);
  store_be32(frame.data(), static_cast<uint32_t>(frame.size() - 4));
  return frame;
}

// A timer that closes the socket unless the exchange finishes first.
class Deadline {
 public:
  Deadline(const std::shared_ptr<tcp::socket>& socket, milliseconds timeout)
      : timer_(socket->get_executor()), finished_(std::make_shared<bool>(false)) {
    timer_.expires_after(timeout);
    timer_.async_wait([socket, finished = finished_](boost::system::error_code ec) {
      if (!ec && !*finished) {
        boost::system::error_code ignored;
        socket->close(ignored);
      }
    });
  }
  ~Deadline() {
    *finished_ = true;
    timer_.cancel();
  }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

 private:
  asio::steady_timer timer_;
  std::shared_ptr<bool> finished_;
};

// Sends one request frame and reads its response body (after the response header).
asio::awaitable<Result<std::string>> exchange(std::shared_ptr<tcp::socket> socket,
                                              std::string frame, int16_t api_key,
                                              int16_t api_version, milliseconds timeout) {
  Deadline deadline(socket, timeout);
  boost::system::error_code ec;
  co_await asio::async_write(*socket, asio::buffer(frame),
                             asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return Status::io_error("replica fetch: send: " + ec.message());
  char size_bytes[4];
  co_await asio::async_read(*socket, asio::buffer(size_bytes),
                            asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return Status::io_error("replica fetch: receive: " + ec.message());
  const uint32_t size = load_be32(size_bytes);
  if (size > kMaxFrame) co_return Status::corruption("replica fetch: response frame too large");
  std::string response(size, '\0');
  co_await asio::async_read(*socket, asio::buffer(response),
                            asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return Status::io_error("replica fetch: receive: " + ec.message());
  protocol::Reader reader(response);
  protocol::ResponseHeader header;
  Status decoded = header.decode(reader, protocol::response_header_version(api_key, api_version));
  if (!decoded.is_ok()) co_return decoded;
  co_return std::string(reader.rest());
}

asio::awaitable<Status> connect(std::shared_ptr<tcp::socket> socket,
                                const LeaderEndpoint& endpoint) {
  Deadline deadline(socket, kConnectTimeout);
  boost::system::error_code ec;
  tcp::resolver resolver(socket->get_executor());
  auto resolved = co_await resolver.async_resolve(endpoint.host, std::to_string(endpoint.port),
                                                  asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return Status::io_error("resolve " + endpoint.host + ": " + ec.message());
  co_await asio::async_connect(*socket, resolved, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return Status::io_error("connect: " + ec.message());
  socket->set_option(tcp::no_delay(true), ec);
  co_return Status::ok();
}

asio::awaitable<void> pause(milliseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(duration);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

bool still_follows(const FollowedPartition& followed) {
  const auto& partition = *followed.partition;
  return !partition.is_leader() && partition.leader_epoch() == followed.leader_epoch;
}

}  // namespace

ReplicaFetcher::ReplicaFetcher(ReplicaFetcherOptions options) : options_(options) {}

ReplicaFetcher::~ReplicaFetcher() {
  stop();
}

void ReplicaFetcher::start() {
  work_.emplace(io_.get_executor());
  thread_ = std::thread([this] { io_.run(); });
}

void ReplicaFetcher::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  work_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  followed_.clear();
}

void ReplicaFetcher::assign(std::vector<FollowedPartition> followed,
                            std::map<int32_t, LeaderEndpoint> leaders) {
  std::vector<int32_t> to_start;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    followed_.clear();
    for (auto& item : followed) {
      const auto key = std::make_pair(item.partition->topic(), item.partition->index());
      if (item.leader >= 0 && !running_.count(item.leader)) to_start.push_back(item.leader);
      followed_[key] = std::move(item);
    }
    leaders_ = std::move(leaders);
    for (int32_t leader : to_start) running_.insert(leader);
  }
  for (int32_t leader : to_start) {
    asio::co_spawn(io_, session(leader), asio::detached);
  }
}

bool ReplicaFetcher::collect(int32_t leader, std::vector<FollowedPartition>* parts,
                             LeaderEndpoint* endpoint) {
  std::lock_guard lock(mu_);
  parts->clear();
  for (const auto& [key, item] : followed_) {
    if (item.leader == leader) parts->push_back(item);
  }
  auto it = leaders_.find(leader);
  if (stopping_ || parts->empty() || it == leaders_.end()) {
    running_.erase(leader);
    return false;
  }
  *endpoint = it->second;
  return true;
}

asio::awaitable<void> ReplicaFetcher::session(int32_t leader) {
  auto socket = std::make_shared<tcp::socket>(io_);
  std::optional<LeaderEndpoint> connected;
  // The leader epoch each partition's log was last truncated for.
  std::map<std::pair<std::string, int32_t>, int32_t> truncated;
  int32_t correlation_id = 0;
  std::vector<FollowedPartition> parts;
  LeaderEndpoint endpoint;
  boost::system::error_code ignored_error;
  logger()->info("replica fetcher started leader={}", leader);
  while (collect(leader, &parts, &endpoint)) {
    if (!socket->is_open() || connected != endpoint) {
      boost::system::error_code ignored;
      socket->close(ignored);
      socket = std::make_shared<tcp::socket>(io_);
      connected.reset();
      Status status = co_await connect(socket, endpoint);
      if (!status.is_ok()) {
        logger()->debug("cannot reach leader={} at {}:{} error=\"{}\"", leader, endpoint.host,
                        endpoint.port, status.to_string());
        co_await pause(kRetryPause);
        continue;
      }
      connected = endpoint;
    }

    // 1. Truncation, for partitions in an epoch this session has not truncated for.
    protocol::OffsetForLeaderEpochRequest epochs;
    epochs.replica_id = options_.self;
    std::vector<FollowedPartition> asked;
    for (const auto& item : parts) {
      const auto key = std::make_pair(item.partition->topic(), item.partition->index());
      auto it = truncated.find(key);
      if (it != truncated.end() && it->second == item.leader_epoch) continue;
      const int32_t latest = item.partition->log().latest_epoch();
      if (latest < 0) {  // an empty log, or one written before epochs: nothing can diverge
        truncated[key] = item.leader_epoch;
        continue;
      }
      auto topic = std::find_if(epochs.topics.begin(), epochs.topics.end(),
                                [&](const auto& t) { return t.topic == key.first; });
      if (topic == epochs.topics.end()) {
        topic = epochs.topics.insert(epochs.topics.end(), {key.first, {}});
      }
      topic->partitions.push_back({key.second, item.leader_epoch, latest});
      asked.push_back(item);
    }
    if (!asked.empty()) {
      auto reply = co_await exchange(socket, request_frame(epochs, ++correlation_id, options_.self),
                                     static_cast<int16_t>(protocol::ApiKey::kOffsetForLeaderEpoch),
                                     kEpochVersion, milliseconds(10000));
      if (!reply.is_ok()) {
        socket->close(ignored_error);
        co_await pause(kRetryPause);
        continue;
      }
      protocol::OffsetForLeaderEpochResponse response;
      protocol::Reader reader(*reply);
      if (!response.decode(reader, kEpochVersion).is_ok()) {
        socket->close(ignored_error);
        continue;
      }
      bool retry = false;
      for (const auto& topic : response.topics) {
        for (const auto& result : topic.partitions) {
          auto item = std::find_if(asked.begin(), asked.end(), [&](const auto& a) {
            return a.partition->topic() == topic.topic && a.partition->index() == result.partition;
          });
          if (item == asked.end() || !still_follows(*item)) continue;
          if (result.error_code != 0) {
            retry = true;
            continue;
          }
          auto& log = item->partition->log();
          const auto key = std::make_pair(topic.topic, result.partition);
          Status status;
          bool complete = true;
          if (result.leader_epoch < 0) {
            // The leader knows no epoch this old: keep only what is known committed.
            status = log.truncate_to(log.high_watermark());
          } else {
            auto cut = log.truncate_to_epoch_end(result.leader_epoch, result.end_offset);
            status = cut.status();
            if (cut.is_ok()) complete = cut->complete;
          }
          if (!status.is_ok()) {
            logger()->error("cannot truncate topic={} partition={} error=\"{}\"", topic.topic,
                            result.partition, status.to_string());
            retry = true;
            continue;
          }
          truncations_.fetch_add(1);
          if (complete) truncated[key] = item->leader_epoch;
          logger()->info("truncated topic={} partition={} epoch={} log_end={}{}", topic.topic,
                         result.partition, item->leader_epoch, log.log_end_offset(),
                         complete ? "" : " (asking again)");
        }
      }
      if (retry) co_await pause(kRetryPause);
      continue;  // the next round fetches, or asks again
    }

    // 2. Fetch from the durable log end of every partition led by `leader`.
    protocol::FetchRequest fetch;
    fetch.replica_id = options_.self;
    fetch.max_wait_ms = options_.max_wait_ms;
    fetch.min_bytes = 1;
    fetch.max_bytes = options_.max_bytes;
    for (const auto& item : parts) {
      const auto& log = item.partition->log();
      auto topic = std::find_if(fetch.topics.begin(), fetch.topics.end(),
                                [&](const auto& t) { return t.topic == item.partition->topic(); });
      if (topic == fetch.topics.end()) {
        topic = fetch.topics.insert(fetch.topics.end(), protocol::FetchRequest::FetchTopic{});
        topic->topic = item.partition->topic();
      }
      protocol::FetchRequest::FetchPartition wanted;
      wanted.partition = item.partition->index();
      wanted.current_leader_epoch = item.leader_epoch;
      wanted.fetch_offset = log.log_end_offset();
      wanted.log_start_offset = log.log_start_offset();
      wanted.partition_max_bytes = options_.partition_max_bytes;
      topic->partitions.push_back(wanted);
    }
    auto reply = co_await exchange(socket, request_frame(fetch, ++correlation_id, options_.self),
                                   static_cast<int16_t>(protocol::ApiKey::kFetch), kFetchVersion,
                                   milliseconds(options_.max_wait_ms + 10000));
    if (!reply.is_ok()) {
      logger()->debug("fetch from leader={} failed error=\"{}\"", leader,
                      reply.status().to_string());
      socket->close(ignored_error);
      co_await pause(kRetryPause);
      continue;
    }
    protocol::FetchResponse response;
    protocol::Reader reader(*reply);
    if (!response.decode(reader, kFetchVersion).is_ok()) {
      socket->close(ignored_error);
      continue;
    }
    bool any_error = false;
    struct Written {
      std::shared_ptr<topics::Partition> partition;
      storage::DurabilityTicket durable;
      int64_t leader_high_watermark;
    };
    std::vector<Written> written;
    for (const auto& topic : response.responses) {
      for (const auto& data : topic.partitions) {
        auto item = std::find_if(parts.begin(), parts.end(), [&](const auto& p) {
          return p.partition->topic() == topic.topic &&
                 p.partition->index() == data.partition_index;
        });
        if (item == parts.end() || !still_follows(*item)) continue;
        if (data.error_code != 0) {
          any_error = true;
          if (data.error_code == static_cast<int16_t>(ErrorCode::kOffsetOutOfRange)) {
            // Our log end is past the leader's: truncate by epoch again.
            truncated.erase(std::make_pair(topic.topic, data.partition_index));
          }
          continue;
        }
        const std::string_view records = data.records.value_or(std::string_view());
        if (records.empty()) {
          written.push_back({item->partition, storage::DurabilityTicket(), data.high_watermark});
          continue;
        }
        auto appended = item->partition->append_replicated(records);
        if (!appended.is_ok()) {
          logger()->warn("cannot append fetched batches topic={} partition={} error=\"{}\"",
                         topic.topic, data.partition_index, appended.status().to_string());
          truncated.erase(std::make_pair(topic.topic, data.partition_index));
          any_error = true;
          continue;
        }
        batches_.fetch_add(1);
        written.push_back({item->partition, appended->durable, data.high_watermark});
      }
    }
    // Durable before the next fetch reports the new log end as this replica's position.
    for (auto& item : written) {
      const storage::DurabilityTicket ticket = item.durable;
      std::function<void(std::function<void(Status)>)> wait =
          [ticket](std::function<void(Status)> done) { ticket.then(std::move(done)); };
      const Status durable = co_await await_callback<Status>(wait);
      if (durable.is_ok()) item.partition->follow_high_watermark(item.leader_high_watermark);
    }
    if (any_error) co_await pause(kRetryPause);
  }
  boost::system::error_code ignored;
  socket->close(ignored);
  logger()->info("replica fetcher stopped leader={}", leader);
}

}  // namespace sluice::kafka::server
