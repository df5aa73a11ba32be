// Produce: validate each partition's record batch as Kafka's LogValidator does, write it
// on the blocking pool (the write returns at once with a durability ticket), wait without
// holding a thread, and answer with the assigned base offsets. acks=1 waits until the
// leader's append is durable (under fsync=always one fdatasync covers every append written
// before it began): Sluice acknowledges nothing a crash could take back. acks=all waits
// until the batch is committed: on a single node the same, in cluster mode durable on every
// in-sync replica (the high watermark passed it), with min.insync.replicas enforced before
// the write (NOT_ENOUGH_REPLICAS) and after it (NOT_ENOUGH_REPLICAS_AFTER_APPEND), and the
// request's timeout_ms bounding the wait (REQUEST_TIMED_OUT). acks=0 gets no response at
// all and waits for nothing.
#include <atomic>
#include <chrono>
#include <optional>
#include <span>

#include "kafka/protocol/messages/produce_request.h"
#include "kafka/protocol/messages/produce_response.h"
#include "kafka/server/broker_context.h"
#include "storage/record_batch.h"

namespace sluice::kafka::server {

using protocol::ErrorCode;
using protocol::ProduceResponse;

namespace {

constexpr int kZstd = 4;
constexpr int16_t kFirstMagicV2Version = 3;
constexpr int16_t kFirstZstdVersion = 7;

struct PartitionWork {
  std::shared_ptr<topics::Partition> partition;
  std::span<char> records;
  ProduceResponse::PartitionProduceResponse* response = nullptr;
  std::optional<storage::DurabilityTicket> durable;  // set once written
  int64_t end_offset = 0;                            // one past the batch, once written
};

// Waits until `partition` has committed every offset below `offset`, or `timeout_ms` passes.
asio::awaitable<Status> await_commit(std::shared_ptr<topics::Partition> partition, int64_t offset,
                                     int32_t timeout_ms) {
  auto executor = co_await asio::this_coro::executor;
  struct Wait {
    explicit Wait(asio::any_io_executor ex) : timer(std::move(ex)) {}
    std::atomic<bool> finished{false};
    asio::steady_timer timer;
    uint64_t id = 0;
  };
  auto wait = std::make_shared<Wait>(executor);
  // Named, not a temporary in the co_await expression: GCC 12 destroys those twice.
  std::function<void(std::function<void(Status)>)> start =
      [partition, offset, timeout_ms, wait](std::function<void(Status)> done) {
        auto once = [wait, done = std::move(done)](Status status) {
          if (!wait->finished.exchange(true)) done(std::move(status));
        };
        wait->timer.expires_after(std::chrono::milliseconds(std::max(timeout_ms, 0)));
        wait->timer.async_wait([wait, partition, once](boost::system::error_code ec) {
          if (ec) return;  // cancelled: the commit came first
          partition->forget_commit_wait(wait->id);
          once(Status::unavailable("timed out waiting for the in-sync replicas"));
        });
        wait->id = partition->when_committed(offset, once);
      };
  Status committed = co_await await_callback<Status>(start);
  wait->timer.cancel();
  co_return committed;
}

void fail(ProduceResponse::PartitionProduceResponse* response, ErrorCode code, std::string why) {
  response->error_code = static_cast<int16_t>(code);
  response->error_message = std::move(why);
  response->base_offset = -1;
}

// Kafka's checks on a produced batch that the log itself does not make.
ErrorCode check_batch(std::string_view records, int16_t version, std::string* why) {
  if (version < kFirstMagicV2Version) {
    *why = "Produce v0-2 (message format v0/v1) is not supported; use v3 or later";
    return ErrorCode::kUnsupportedVersion;
  }
  auto batch = storage::RecordBatchView::parse(records);
  if (!batch.is_ok()) {
    *why = batch.status().message();
    return ErrorCode::kCorruptMessage;
  }
  if (batch->size() != records.size()) {
    *why = "Produce v3+ carries exactly one record batch per partition";
    return ErrorCode::kInvalidRecord;
  }
  if (batch->record_count() <= 0 ||
      batch->record_count() != int64_t{batch->last_offset_delta()} + 1) {
    *why = "record count " + std::to_string(batch->record_count()) +
           " does not match lastOffsetDelta " + std::to_string(batch->last_offset_delta());
    return ErrorCode::kInvalidRecord;
  }
  if (batch->is_control()) {
    *why = "clients may not produce control batches";
    return ErrorCode::kInvalidRecord;
  }
  if (batch->is_transactional()) {
    *why = "transactions are not supported";
    return ErrorCode::kInvalidRecord;
  }
  if (batch->compression() > kZstd) {
    *why = "unknown compression codec " + std::to_string(batch->compression());
    return ErrorCode::kInvalidRecord;
  }
  if (batch->compression() == kZstd && version < kFirstZstdVersion) {
    *why = "zstd needs Produce v7 or later";
    return ErrorCode::kUnsupportedCompressionType;
  }
  return ErrorCode::kNone;
}

}  // namespace

asio::awaitable<HandlerResult> handle_produce(BrokerContext& context, Request& request) {
  auto decoded = decode_body<protocol::ProduceRequest>(request);
  if (!decoded.is_ok()) co_return decoded.status();
  const auto& body = *decoded;
  const int16_t version = request.header.api_version;
  const bool acks_valid = body.acks == -1 || body.acks == 0 || body.acks == 1;

  // Topics that do not exist yet are created first, on the blocking pool (topic.json is
  // written and fsynced).
  if (acks_valid) {
    std::vector<std::string> names;
    for (const auto& topic : body.topic_data) names.push_back(topic.name);
    co_await auto_create_topics(context, names);
  }

  ProduceResponse response;
  response.responses.reserve(body.topic_data.size());
  std::vector<PartitionWork> work;
  for (const auto& topic : body.topic_data) {
    auto& topic_response = response.responses.emplace_back();
    topic_response.name = topic.name;
    topic_response.partition_responses.reserve(topic.partition_data.size());
    for (const auto& data : topic.partition_data) {
      auto* partition_response = &topic_response.partition_responses.emplace_back();
      partition_response->index = data.index;
      if (!acks_valid) {
        fail(partition_response, ErrorCode::kInvalidRequiredAcks,
             "acks must be -1, 0 or 1, not " + std::to_string(body.acks));
        continue;
      }
      ErrorCode error = ErrorCode::kNone;
      auto partition = find_led_partition(context, topic.name, data.index, &error);
      if (!partition) {
        fail(partition_response, error,
             "no partition " + topic.name + "-" + std::to_string(data.index));
        continue;
      }
      std::string why;
      const std::string_view records = data.records.value_or(std::string_view());
      if (records.empty()) {
        fail(partition_response, ErrorCode::kInvalidRecord, "no records");
        continue;
      }
      if (error = check_batch(records, version, &why); error != ErrorCode::kNone) {
        fail(partition_response, error, why);
        continue;
      }
      if (body.acks == -1) {
        if (Status enough = partition->check_min_insync(); !enough.is_ok()) {
          fail(partition_response, error_code_for(enough), enough.message());
          continue;
        }
      }
      // The records view points into the frame we own: stamp offsets in place.
      char* bytes = request.frame->data() + (records.data() - request.frame->data());
      work.push_back(
          {std::move(partition), std::span<char>(bytes, records.size()), partition_response});
    }
  }

  std::vector<std::function<void()>> jobs;
  for (auto& item : work) {
    jobs.push_back([&item] {
      auto appended = item.partition->append(item.records);
      if (!appended.is_ok()) {
        fail(item.response, error_code_for(appended.status()), appended.status().message());
        return;
      }
      item.response->base_offset = appended->result.base_offset;
      item.response->log_append_time_ms = appended->result.log_append_time;
      item.response->log_start_offset = appended->result.log_start_offset;
      item.durable = appended->durable;
      item.end_offset = appended->result.last_offset + 1;
    });
  }
  co_await run_blocking(context.blocking_pool, std::move(jobs));
  if (body.acks != 0) {
    for (auto& item : work) {
      if (!item.durable) continue;
      if (body.acks == -1 && item.partition->replicated()) {
        const Status committed =
            co_await await_commit(item.partition, item.end_offset, body.timeout_ms);
        if (!committed.is_ok()) fail(item.response, error_code_for(committed), committed.message());
        continue;
      }
      const storage::DurabilityTicket ticket = *item.durable;
      // Named, not a temporary in the co_await expression: GCC 12 destroys those twice.
      std::function<void(std::function<void(Status)>)> wait =
          [ticket](std::function<void(Status)> done) { ticket.then(std::move(done)); };
      const Status durable = co_await await_callback<Status>(wait);
      if (!durable.is_ok()) fail(item.response, error_code_for(durable), durable.message());
    }
  }

  if (body.acks == 0) co_return std::optional<std::string>();
  co_return std::optional<std::string>(encode_body(response, version));
}

}  // namespace sluice::kafka::server
