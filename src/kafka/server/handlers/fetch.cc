// Fetch: whole batches from each requested partition up to the byte limits, long-polling
// until min_bytes have arrived or max_wait_ms has passed. Consumers get only records below
// the high watermark; the high watermark moving on any partition being waited on wakes the
// fetch at once.
//
// A follower's fetch (replica_id >= 0, cluster mode) is replication: it must name the
// leader's current epoch (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH otherwise), its fetch
// offset is its durable log end, which the leader counts towards the high watermark, and it
// reads up to the log end, woken by every append.
//
// Record bytes are not copied: each partition's records are a range of a segment file, sent
// with sendfile after the encoded response's bytes before it (records_splicer.h). Only a
// file system without descriptors (a test's) makes them go through a buffer.
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

#include "kafka/protocol/messages/fetch_request.h"
#include "kafka/protocol/messages/fetch_response.h"
#include "kafka/server/broker_context.h"

namespace sluice::kafka::server {

using protocol::ErrorCode;
using protocol::FetchResponse;

namespace {

struct Wanted {
  size_t topic;  // index into the response's topics
  const protocol::FetchRequest::FetchPartition* request;
  std::shared_ptr<topics::Partition> partition;
  ErrorCode error = ErrorCode::kNone;
  storage::ReadResult read;  // what the last pass returned
};

// A follower must fetch in the leader's epoch: older is a deposed view, newer one this
// broker has not caught up with yet.
ErrorCode check_follower_epoch(const topics::Partition& partition, int32_t current_leader_epoch) {
  if (current_leader_epoch < 0) return ErrorCode::kNone;
  const int32_t epoch = partition.leader_epoch();
  if (current_leader_epoch < epoch) return ErrorCode::kFencedLeaderEpoch;
  if (current_leader_epoch > epoch) return ErrorCode::kUnknownLeaderEpoch;
  return ErrorCode::kNone;
}

// The wake-ups one pass of a long poll registered, removed when the pass ends, and also when
// the coroutine's frame is destroyed while it waits (a stopping io_context destroys
// suspended frames): a callback left behind would hold a timer past its io_context.
class Subscriptions {
 public:
  Subscriptions() = default;
  Subscriptions(const Subscriptions&) = delete;
  Subscriptions& operator=(const Subscriptions&) = delete;
  ~Subscriptions() {
    for (const auto& [partition, id] : entries_) partition->unsubscribe(id);
  }
  void add(const std::shared_ptr<topics::Partition>& partition, std::function<void()> wake,
           bool on_append) {
    entries_.emplace_back(partition, partition->subscribe(std::move(wake), on_append));
  }

 private:
  std::vector<std::pair<std::shared_ptr<topics::Partition>, uint64_t>> entries_;
};

// What holds one pass's records until the response is written.
struct Gathered {
  protocol::RecordsSplicer splicer;  // ranges of segment files
  std::deque<std::string> buffers;   // copies, where the file system has no descriptors
};

// The records value for `read`: a stand-in for its file range, or else a copy of its bytes.
Result<std::string_view> records_of(const storage::ReadResult& read, Gathered& gathered) {
  if (auto range = read.file_range()) return gathered.splicer.stand_in(*std::move(range));
  std::string& bytes = gathered.buffers.emplace_back();
  SLUICE_RETURN_IF_ERROR(read.append_to(&bytes));
  return std::string_view(bytes);
}

// One pass over every wanted partition. Returns the record bytes gathered; sets *any_error.
int64_t gather(const protocol::FetchRequest& body, bool from_follower, std::vector<Wanted>& wanted,
               FetchResponse& response, Gathered& gathered, bool* any_error) {
  int64_t total = 0;
  size_t next = 0;
  for (auto& topic : response.responses) {
    for (auto& data : topic.partitions) {
      Wanted& item = wanted[next++];
      item.read = storage::ReadResult{};
      data = FetchResponse::PartitionData{};
      data.partition_index = item.request->partition;
      data.records = std::string_view();
      if (!item.partition) {
        data.error_code = static_cast<int16_t>(item.error);
        *any_error = true;
        continue;
      }
      const auto& log = item.partition->log();
      // Only what is acknowledged is served: a record below the log end but not yet durable
      // could be taken back by a power cut after the consumer committed past it.
      const int64_t high_watermark = log.high_watermark();
      data.high_watermark = high_watermark;
      // No transactions yet: everything below the high watermark is stable.
      data.last_stable_offset = high_watermark;
      data.log_start_offset = log.log_start_offset();
      const int64_t budget = int64_t{body.max_bytes} - total;
      if (budget <= 0 && total > 0) continue;
      storage::ReadOptions options;
      options.max_bytes =
          std::min<int64_t>(item.request->partition_max_bytes, std::max<int64_t>(budget, 0));
      // A follower replicates what is written; only consumers wait for the high watermark.
      if (!from_follower) options.max_offset = high_watermark;
      options.min_one_batch = total == 0;  // so that a consumer can always make progress
      auto read = log.read(item.request->fetch_offset, options);
      if (!read.is_ok()) {
        data.error_code = static_cast<int16_t>(error_code_for(read.status()));
        *any_error = true;
        continue;
      }
      if (read->empty()) continue;
      auto records = records_of(*read, gathered);
      if (!records.is_ok()) {
        data.error_code = static_cast<int16_t>(error_code_for(records.status()));
        *any_error = true;
        continue;
      }
      data.records = *records;
      total += static_cast<int64_t>(read->size);
      item.read = *std::move(read);
    }
  }
  return total;
}

}  // namespace

asio::awaitable<HandlerResult> handle_fetch(BrokerContext& context, Request& request) {
  auto decoded = decode_body<protocol::FetchRequest>(request);
  if (!decoded.is_ok()) co_return decoded.status();
  const auto& body = *decoded;
  const int16_t version = request.header.api_version;
  const int32_t replica_id = version >= 15 ? body.replica_state.replica_id : body.replica_id;
  const bool from_follower = replica_id >= 0;

  FetchResponse response;
  std::vector<Wanted> wanted;
  for (const auto& topic : body.topics) {
    auto& topic_response = response.responses.emplace_back();
    topic_response.topic = topic.topic;
    topic_response.partitions.resize(topic.partitions.size());
    for (const auto& partition : topic.partitions) {
      Wanted item{response.responses.size() - 1, &partition, nullptr};
      item.partition = find_led_partition(context, topic.topic, partition.partition, &item.error);
      if (item.partition && from_follower) {
        item.error = check_follower_epoch(*item.partition, partition.current_leader_epoch);
        if (item.error != ErrorCode::kNone) {
          item.partition.reset();
        } else if (partition.fetch_offset <= item.partition->log().log_end_offset()) {
          item.partition->follower_fetched(replica_id, partition.fetch_offset);
        }
      }
      wanted.push_back(std::move(item));
    }
  }

  auto executor = co_await asio::this_coro::executor;
  auto timer = std::make_shared<asio::steady_timer>(executor);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(body.max_wait_ms, 0));
  std::optional<Gathered> gathered;
  while (true) {
    // Subscribe before reading, so that an append landing between the read and the wait
    // still wakes us (its cancel runs on our strand once we are waiting).
    Subscriptions subscriptions;  // until the end of this pass
    for (const auto& item : wanted) {
      if (!item.partition) continue;
      std::function<void()> wake = [timer, executor] {
        asio::post(executor, [timer] { timer->cancel(); });
      };
      subscriptions.add(item.partition, std::move(wake), from_follower);
    }
    gathered.emplace();
    bool any_error = false;
    const int64_t total = gather(body, from_follower, wanted, response, *gathered, &any_error);
    const bool done =
        total >= body.min_bytes || any_error || std::chrono::steady_clock::now() >= deadline;
    if (!done) {
      timer->expires_at(deadline);
      boost::system::error_code ec;
      co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (done) break;
  }
  // Counted once, for the pass whose bytes are sent (earlier passes of a long poll are not).
  for (const Wanted& item : wanted) {
    if (item.partition && !from_follower) item.partition->record_fetched(item.read);
  }
  co_return std::optional<ResponseBody>(encode_body(response, version, gathered->splicer));
}

}  // namespace sluice::kafka::server
