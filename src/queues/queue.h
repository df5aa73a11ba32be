// One SQS queue over two partition logs and a checkpoint in its directory:
//   messages/   one record per message (stored_message.h), appended with fsync=always before a
//               send is acknowledged; bodies are read from here on receive, never kept;
//   state/      the consumption state changes (queue_state_log.h): receives, deletes,
//               visibility changes, purges, moves to the dead-letter queue; durable before the
//               call that made them returns;
//   checkpoint  the whole consumption state at one moment (queue_checkpoint.h), replaced
//               atomically; the state log is dropped below the point it covers;
//   queue.json  attributes, tags, timestamps, the receipt-handle secret (queue_metadata.h).
//
// Opening loads the checkpoint (when there is one), reads the messages log only from the
// first message the checkpoint does not hold, and replays the state log only from the
// checkpoint's end. So a restart keeps undeleted messages, keeps deleted ones deleted and
// restores in-flight ones with their remaining visibility, in a time proportional to the
// checkpoint plus what happened since.
//
// Checkpoints are taken on a clean close, and when the state log has grown since the last
// one by more than max(QueueStorageOptions::checkpoint_min_state_bytes, the last checkpoint's
// size): the state log stays within a small multiple of the checkpoint, and the cost of
// checkpoints stays proportional to the changes that cause them. A checkpoint snapshots the
// state under the queue's lock and notes the state log's end at that moment; every state
// record below that end belongs to an operation that changed memory before (operations change
// memory under the lock, then append), so the snapshot holds its effect. Records at or above
// the end are replayed on open even if the snapshot already holds them: replay is idempotent.
// Both logs are flushed before the checkpoint file is written, so it never names state
// records that a crash could still take back.
//
// Space: the messages log is released from the front (delete_records) as soon as the oldest
// messages are deleted, purged, expired or moved; whole segments below the new start go.
// maintain() (the QueueManager calls it every second) does this for messages that only
// expired, which no request would otherwise notice.
//
// In memory each message costs one 32-byte MessageEntry plus, on standard queues, a 16-byte
// slot in the ready heap; bodies are read back from the log on receive.
//
// Semantics follow the SQS Developer Guide (see notes/sqs-compat.md section 4). Choices
// where SQS leaves room:
//   - DeleteMessage with an older receipt handle of a standard queue deletes the message even
//     if someone received it again since (SQS: "may delete"); on FIFO queues a handle whose
//     receive is no longer the latest, or whose visibility expired, is ReceiptHandleIsInvalid.
//   - ChangeMessageVisibility with any handle of a standard queue's message changes its current
//     receive while it is in flight (SQS accepts older handles); a FIFO queue wants the
//     latest handle (ReceiptHandleIsInvalid otherwise).
//   - The 12-hour cap on total visibility since the receive is not enforced, only 0-43200 s
//     per call.
//   - Retention (MessageRetentionPeriod) is applied lazily: an expired message is dropped when
//     a receive or the space reclaim meets it, and is not counted by counts().
//   - On FIFO queues a message's DelaySeconds=0 is accepted (and the queue's DelaySeconds
//     applies); any other value is InvalidParameterValue.
//   - Beyond SQS: the queue attribute SluiceMaxDelaySeconds (900-1209600) raises the limit
//     on a message's DelaySeconds from 900 to min(SluiceMaxDelaySeconds,
//     MessageRetentionPeriod). A delayed message sits in the ready heap like any other, so
//     next_visible_at() names its due time and a long poll wakes then.
//
// Thread-safety: every public method may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/file_system.h"
#include "common/status.h"
#include "queues/dedup_window.h"
#include "queues/fifo_groups.h"
#include "queues/message_index.h"
#include "queues/queue_attributes.h"
#include "queues/queue_checkpoint.h"
#include "queues/queue_metadata.h"
#include "queues/queue_state_log.h"
#include "queues/receive_attempts.h"
#include "queues/stored_message.h"
#include "storage/partition_log.h"

namespace sluice::queues {

inline constexpr int64_t kMaxInFlightStandard = 120000;
inline constexpr int64_t kPurgeIntervalMs = 60 * 1000;
inline constexpr size_t kMaxGroupOrDedupIdLength = 128;

struct SendRequest {
  std::string body;
  MessageAttributeMap attributes;
  MessageAttributeMap system_attributes;  // only AWSTraceHeader
  std::optional<int64_t> delay_seconds;   // absent: the queue's DelaySeconds
  std::optional<std::string> group_id;
  std::optional<std::string> dedup_id;
};

struct SendResult {
  std::string message_id;
  std::string md5_of_body;
  std::string md5_of_attributes;         // "" when there are none
  std::string md5_of_system_attributes;  // "" when there are none
  std::string sequence_number;           // FIFO only
};

struct ReceiveRequest {
  int max_messages = 1;                         // 1-10
  std::optional<int64_t> visibility_timeout_s;  // absent: the queue's VisibilityTimeout
  // FIFO queues only (ignored on standard ones, as by SQS): a retry with the same id within 5
  // minutes returns the same messages and receipt handles (receive_attempts.h).
  std::optional<std::string> attempt_id;
};

struct ReceivedMessage {
  std::string message_id;
  std::string receipt_handle;
  std::string body;
  std::string md5_of_body;
  MessageAttributeMap attributes;
  std::string md5_of_attributes;  // "" when there are none
  // SentTimestamp, ApproximateReceiveCount, ApproximateFirstReceiveTimestamp, SenderId,
  // and when present MessageGroupId, MessageDeduplicationId, SequenceNumber, AWSTraceHeader,
  // DeadLetterQueueSourceArn. The front end filters by the requested names.
  StringMap system_attributes;
};

struct QueueCounts {
  int64_t visible = 0;        // ApproximateNumberOfMessages
  int64_t not_visible = 0;    // ApproximateNumberOfMessagesNotVisible (in flight)
  int64_t delayed = 0;        // ApproximateNumberOfMessagesDelayed
  int64_t oldest_sent_s = 0;  // SentTimestamp (s) of the oldest message still there; 0: none
};

class Queue;
// Finds the dead-letter queue named by an ARN; null when it does not exist.
using DeadLetterResolver = std::function<std::shared_ptr<Queue>(const std::string& arn)>;

struct QueueStorageOptions {
  // A checkpoint is due once the state log grew by this many bytes since the last one (or by
  // the last checkpoint's size, if larger).
  int64_t checkpoint_min_state_bytes = int64_t{4} << 20;
  // Write a checkpoint on close(): the next open then replays nothing.
  bool checkpoint_on_close = true;
  // false: appends are not fsynced (fsync=never): a killed process loses nothing, a power
  // failure may lose acknowledged changes. For benchmarks; the broker always fsyncs.
  bool fsync = true;
};

struct QueueContext {
  std::string name;
  std::string arn;
  storage::Clock clock;
  storage::LogConfig log_config;
  DeadLetterResolver dead_letters;
  QueueStorageOptions storage;
  // Every file of the queue (both logs, checkpoint, queue.json); must outlive the queue.
  FileSystem* fs = &FileSystem::posix();
};

class Queue {
 public:
  using SendDone = std::function<void(std::vector<Result<SendResult>>)>;
  using ReceiveDone = std::function<void(Result<std::vector<ReceivedMessage>>)>;
  using DeleteDone = std::function<void(std::vector<Status>)>;

  // Creates the queue's directory (which must not exist) with `metadata`, then opens it.
  static Result<std::shared_ptr<Queue>> create(const std::filesystem::path& dir,
                                               QueueContext context, QueueMetadata metadata);
  // Opens an existing queue directory and replays its state.
  static Result<std::shared_ptr<Queue>> open(const std::filesystem::path& dir,
                                             QueueContext context);
  ~Queue() = default;
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  const std::string& name() const { return context_.name; }
  const std::string& arn() const { return context_.arn; }
  bool fifo() const { return fifo_; }
  const std::filesystem::path& dir() const { return dir_; }
  // The first offset the messages log still holds: space reclaim raises it.
  int64_t messages_log_start() const { return messages_->log_start_offset(); }

  // Validates and durably appends a message. Errors carry SQS codes (make_error).
  Result<SendResult> send(const SendRequest& request);
  // Up to 10 messages, appended in one durable write: one result per request, in order, each
  // a SendResult or that entry's error. BatchRequestTooLong (for the whole call) when the
  // payloads together exceed 1 MiB; check_fifo_batch's refusals also fail the whole call.
  Result<std::vector<Result<SendResult>>> send_batch(const std::vector<SendRequest>& requests);
  // BatchRequestTooLong when the payloads of `requests` together exceed 1 MiB.
  static Status check_batch_size(const std::vector<SendRequest>& requests);
  // On a FIFO queue, a batch with an entry lacking MessageGroupId, or lacking
  // MessageDeduplicationId without ContentBasedDeduplication, fails whole
  // (InvalidParameterValue), as SQS answers SendMessageBatch; a single send gets
  // MissingParameter or InvalidParameterValue for that message alone.
  Status check_fifo_batch(const std::vector<SendRequest>& requests) const;

  // Up to max_messages visible messages, each now invisible for the visibility timeout and
  // with a fresh receipt handle. Messages whose receive count reached the RedrivePolicy's
  // maxReceiveCount are moved to the dead-letter queue instead. OverLimit on a standard
  // queue with 120,000 messages in flight.
  Result<std::vector<ReceivedMessage>> receive(const ReceiveRequest& request);

  // The asynchronous forms of send_batch (without its size check), receive and
  // delete_messages, for the SQS front end. Each does its work and its write on the calling
  // thread (a blocking-pool thread: writes are disk work) and returns; `done` runs once the
  // change is durable, on a syncer thread (or at once, on an error or when nothing had to be
  // written). `done` must be quick: post real work elsewhere. REQUIRES: the caller keeps the
  // queue alive until `done` has run (it is the last thing the queue does). A sent message becomes
  // receivable only once durable. After a receive or a delete, call upkeep() on a blocking
  // thread (space reclaim and a checkpoint when due).
  void send_async(const std::vector<SendRequest>& requests, SendDone done);
  void receive_async(const ReceiveRequest& request, ReceiveDone done);
  void delete_async(const std::vector<std::string_view>& receipt_handles, DeleteDone done);
  // Space reclaim and a checkpoint when due; disk work.
  void upkeep();

  // On a FIFO queue, a handle whose receive is not the latest or whose visibility expired is
  // InvalidParameterValue ("The receipt handle has expired"), as SQS answers DeleteMessage.
  Status delete_message(std::string_view receipt_handle);
  // DeleteMessageBatch: each handle as delete_message would treat it, one status per handle in
  // order, made durable by a single state-log append.
  std::vector<Status> delete_messages(const std::vector<std::string_view>& receipt_handles);
  // The message becomes visible `timeout_s` seconds from now (0: now). MessageNotInflight
  // when it is not in flight.
  Status change_visibility(std::string_view receipt_handle, int64_t timeout_s);
  // Deletes every message sent before the call, in flight or not. PurgeQueueInProgress
  // within 60 s of the previous purge.
  Status purge();

  QueueAttributes attributes() const;
  // GetQueueAttributes: "All" or names (validated by the front end); includes QueueArn,
  // timestamps and the Approximate* counters.
  StringMap get_attributes(const std::vector<std::string>& names);
  // Validated values; FifoQueue cannot change (InvalidAttributeName on a standard queue,
  // InvalidAttributeValue on a FIFO queue, as SQS answers). An empty Policy or RedrivePolicy
  // removes it.
  Status set_attributes(const StringMap& values);
  StringMap tags() const;
  Status tag(const StringMap& tags);
  Status untag(const std::vector<std::string>& keys);

  QueueCounts counts();
  // When the next delayed or in-flight message becomes receivable; nullopt when none will.
  // A long-polling front end sleeps until then or until woken.
  std::optional<int64_t> next_visible_at();
  // Registers `wake`, run once (on the calling thread of the operation) when a message may
  // have become receivable: a send, a visibility change, a FIFO delete. Must be cheap and
  // must not call back into this queue.
  uint64_t subscribe(std::function<void()> wake);
  void unsubscribe(uint64_t id);

  // What opening both logs found.
  void tally_recovery(storage::RecoveryTally* tally) const;

  // Writes a checkpoint (if checkpoint_on_close) and closes both logs cleanly; later calls
  // fail. A second close does nothing.
  Status close();

  // Writes a checkpoint now and drops the state log below it.
  Status checkpoint();
  // Background upkeep: releases the log space of messages that expired, and writes a
  // checkpoint if one is due.
  Status maintain();

  // For tests and benchmarks: the state log's size on disk and its segments.
  uint64_t state_log_bytes() const { return state_->size_bytes(); }
  size_t state_log_segments() const { return state_->segment_count(); }
  size_t messages_log_segments() const { return messages_->segment_count(); }

  // The dead-letter side of a move: appends `message` as it is (its id, body, attributes).
  Status accept_moved(StoredMessage message);

 private:
  struct ReadySlot {
    int64_t visible_at_ms;
    int64_t offset;
    bool operator>(const ReadySlot& other) const {
      return visible_at_ms != other.visible_at_ms ? visible_at_ms > other.visible_at_ms
                                                  : offset > other.offset;
    }
  };
  struct Pick {
    int64_t offset;
    StoredMessage message;
    MessageEntry entry;
  };

  Queue(std::filesystem::path dir, QueueContext context, QueueMetadata metadata);

  Status load();
  // Loads `checkpoint` into the index, groups and dedup window; returns the first offset of
  // the messages log whose record must still be read (a slot it does not hold).
  // REQUIRES: mu_ held.
  Result<int64_t> load_checkpoint_locked(const CheckpointReader& checkpoint, int64_t now_ms);
  std::string encode_checkpoint_locked(int64_t state_end, int64_t now_ms);
  // REQUIRES: checkpoint_mu_ held.
  Status write_checkpoint_locked();
  // Writes a checkpoint if the state log grew enough since the last one. Errors are logged:
  // the operation that triggered it has already succeeded durably.
  void maybe_checkpoint();
  void apply(const StateChange& change);
  void rebuild_schedules();

  Result<StoredMessage> prepare(const SendRequest& request, const QueueAttributes& attributes,
                                int64_t now_ms) const;
  // send and send_batch after their size checks: validates each request, applies FIFO
  // deduplication and appends the rest in one durable write.
  Result<std::vector<Result<SendResult>>> send_messages(const std::vector<SendRequest>& requests);
  std::string dedup_key(const StoredMessage& message) const;
  // Writes `messages` as one batch to the messages log (durable once the ticket completes).
  Result<storage::PendingAppend> write_messages(const std::vector<StoredMessage>& messages);
  // What receive_async writes before it waits: the messages taken and the state records'
  // ticket. REQUIRES: called by receive_async only.
  struct PendingReceive {
    std::vector<ReceivedMessage> received;
    storage::DurabilityTicket durable;
  };
  Result<PendingReceive> receive_write(const ReceiveRequest& request);
  struct PendingDeletes {
    std::vector<Status> results;
    storage::DurabilityTicket durable;
    bool unblocked_group = false;
  };
  PendingDeletes delete_write(const std::vector<std::string_view>& receipt_handles);
  void insert_locked(int64_t offset, const StoredMessage& message);

  // Marks one message deleted and queues the state change that records it. REQUIRES: mu_ held.
  Status delete_locked(std::string_view receipt_handle, int64_t now_ms,
                       std::vector<StateChange>* changes, bool* unblocked_group);
  bool expired(const MessageEntry& entry, int64_t now_ms) const;
  // Receive helpers. REQUIRES: mu_ held.
  void take_standard(int max, int64_t now_ms, int64_t timeout_ms, int64_t max_receives,
                     std::vector<Pick>* picks, std::vector<Pick>* moves,
                     std::vector<StateChange>* changes);
  void take_fifo(int max, int64_t now_ms, int64_t timeout_ms, int64_t max_receives,
                 std::vector<Pick>* picks, std::vector<Pick>* moves,
                 std::vector<StateChange>* changes);
  // A retry of a FIFO receive attempt: the same messages again with their visibility timeout
  // reset, if none of them was modified or became visible since. False (and nothing taken)
  // otherwise.
  bool retake_attempt_locked(const std::vector<AttemptedMessage>& attempted, int64_t now_ms,
                             int64_t timeout_ms, std::vector<Pick>* picks,
                             std::vector<StateChange>* changes);
  // Decides what happens to one visible message: dropped (expired), moved, or delivered.
  void take_one(int64_t offset, MessageEntry& entry, int64_t now_ms, int64_t timeout_ms,
                int64_t max_receives, std::vector<Pick>* picks, std::vector<Pick>* moves,
                std::vector<StateChange>* changes);
  Status move_to_dead_letters(const std::shared_ptr<Queue>& target, std::vector<Pick>& moves,
                              std::vector<StateChange>* changes);
  void restore_locked(int64_t offset, const MessageEntry& entry);
  void set_visibility_locked(int64_t offset, MessageEntry& entry, int64_t visible_at_ms);
  void reschedule_locked(int64_t offset, const MessageEntry& entry);
  void prune_in_flight_locked(int64_t now_ms);
  ReceivedMessage to_received(const Pick& pick) const;
  Status save_metadata_locked();
  // Drops gone messages from the front of the index and releases their log space.
  Status reclaim_locked(int64_t now_ms);
  void wake();

  const std::filesystem::path dir_;
  const QueueContext context_;
  const bool fifo_;

  // Held across a whole checkpoint (one at a time); taken before mu_, never inside it.
  std::mutex checkpoint_mu_;
  std::atomic<int64_t> checkpointed_at_appended_{0};  // state_->appended_bytes() then
  std::atomic<int64_t> last_checkpoint_bytes_{0};
  bool closed_ = false;  // GUARDED_BY(checkpoint_mu_ and mu_: either to read)

  mutable std::mutex mu_;
  QueueMetadata metadata_;  // GUARDED_BY(mu_)
  std::unique_ptr<storage::PartitionLog> messages_;
  std::unique_ptr<QueueStateLog> state_;
  MessageIndex index_;                                                            // GUARDED_BY(mu_)
  std::priority_queue<ReadySlot, std::vector<ReadySlot>, std::greater<>> ready_;  // standard
  std::set<std::pair<int64_t, int64_t>> in_flight_;  // (invisible until, offset); GUARDED_BY(mu_)
  FifoGroups groups_;                                // GUARDED_BY(mu_)
  DedupWindow dedup_;                                // GUARDED_BY(mu_)
  ReceiveAttempts attempts_;                         // FIFO only; GUARDED_BY(mu_)
  int64_t purged_below_ = 0;                         // GUARDED_BY(mu_)
  int64_t last_purge_ms_ = -1;                       // GUARDED_BY(mu_)
  int64_t released_below_ = 0;  // the messages log start we last asked for; GUARDED_BY(mu_)
  uint32_t next_nonce_ = 0;     // GUARDED_BY(mu_)

  std::mutex waiters_mu_;
  uint64_t next_waiter_id_ = 1;                        // GUARDED_BY(waiters_mu_)
  std::map<uint64_t, std::function<void()>> waiters_;  // GUARDED_BY(waiters_mu_)
};

}  // namespace sluice::queues
