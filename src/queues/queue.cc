#include "queues/queue.h"

#include <openssl/evp.h>

#include <algorithm>
#include <random>

#include "common/log.h"
#include "common/wait_for.h"
#include "queues/log_scan.h"
#include "queues/receipt_handle.h"
#include "sqs/protocol/errors.h"
#include "sqs/protocol/md5.h"
#include "sqs/protocol/validation.h"
#include "storage/batch_reader.h"
#include "storage/record_batch_builder.h"

namespace sluice::queues {
namespace {

using sqs::protocol::ErrorCode;
using sqs::protocol::make_error;

constexpr int64_t kMaxBatchPayload = static_cast<int64_t>(sqs::protocol::kMaxMessageSizeLimit);
// SQS's words (no final period) for a FIFO send without a deduplication id.
constexpr std::string_view kNoDeduplicationId =
    "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId "
    "provided explicitly";
// delete_records persists the new log start with an fsync: batch the releases.
constexpr int64_t kReclaimStep = 1024;

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

// MessageGroupId and MessageDeduplicationId: 1-128 characters of printable ASCII.
Status validate_fifo_id(std::string_view name, const std::string& id) {
  const bool printable =
      std::all_of(id.begin(), id.end(), [](char c) { return c >= 0x21 && c <= 0x7E; });
  if (id.empty() || id.size() > kMaxGroupOrDedupIdLength || !printable) {
    return make_error(ErrorCode::kInvalidParameterValue,
                      std::string(name) + " must be 1 to 128 printable ASCII characters");
  }
  return Status::ok();
}

storage::LogConfig queue_log_config(storage::LogConfig config, const QueueStorageOptions& options) {
  // The queue decides what is gone (deletes, purges, retention): the log must not.
  config.retention_ms = -1;
  config.retention_bytes = -1;
  config.fsync = options.fsync ? storage::FsyncPolicy::always() : storage::FsyncPolicy::never();
  return config;
}

Result<std::optional<CheckpointReader>> read_checkpoint(FileSystem& fs,
                                                        const std::filesystem::path& file) {
  SLUICE_ASSIGN_OR_RETURN(bool exists, fs.exists(file));
  if (!exists) return std::optional<CheckpointReader>();
  SLUICE_ASSIGN_OR_RETURN(std::string bytes, read_small_file(fs, file));
  auto reader = CheckpointReader::parse(std::move(bytes));
  if (!reader.is_ok()) {
    return Status::corruption(file.string() + ": " + reader.status().message());
  }
  return std::optional<CheckpointReader>(std::move(*reader));
}

uint32_t seconds(int64_t ms) {
  return static_cast<uint32_t>(ms / 1000);
}

}  // namespace

Queue::Queue(std::filesystem::path dir, QueueContext context, QueueMetadata metadata)
    : dir_(std::move(dir)),
      context_(std::move(context)),
      fifo_(metadata.attributes.fifo()),
      metadata_(std::move(metadata)),
      next_nonce_(static_cast<uint32_t>(std::random_device{}())) {}

Result<std::shared_ptr<Queue>> Queue::create(const std::filesystem::path& dir, QueueContext context,
                                             QueueMetadata metadata) {
  SLUICE_RETURN_IF_ERROR(create_directories(*context.fs, dir));
  SLUICE_RETURN_IF_ERROR(write_queue_metadata(*context.fs, dir / "queue.json", metadata));
  return open(dir, std::move(context));
}

Result<std::shared_ptr<Queue>> Queue::open(const std::filesystem::path& dir, QueueContext context) {
  SLUICE_ASSIGN_OR_RETURN(QueueMetadata metadata,
                          read_queue_metadata(*context.fs, dir / "queue.json"));
  std::shared_ptr<Queue> queue(new Queue(dir, std::move(context), std::move(metadata)));
  SLUICE_RETURN_IF_ERROR(queue->load());
  return queue;
}

Status Queue::load() {
  const storage::LogConfig config = queue_log_config(context_.log_config, context_.storage);
  SLUICE_ASSIGN_OR_RETURN(messages_, storage::PartitionLog::open(dir_ / "messages", config,
                                                                 context_.clock, *context_.fs));
  SLUICE_ASSIGN_OR_RETURN(
      state_, QueueStateLog::open(dir_ / "state", config, context_.clock, *context_.fs));
  SLUICE_ASSIGN_OR_RETURN(auto checkpoint, read_checkpoint(*context_.fs, dir_ / kCheckpointFile));
  std::lock_guard lock(mu_);
  const int64_t now = context_.clock();
  released_below_ = messages_->log_start_offset();
  int64_t scan_from = messages_->log_start_offset();
  int64_t state_from = 0;
  if (checkpoint) {
    const CheckpointHeader& header = checkpoint->header();
    // The state log is dropped only below a durable checkpoint, and flushed before one is
    // written: anything else means files went missing.
    if (state_->start_offset() > header.state_end || state_->end_offset() < header.state_end) {
      return Status::corruption(
          dir_.string() + ": the state log [" + std::to_string(state_->start_offset()) + ", " +
          std::to_string(state_->end_offset()) + ") does not continue the checkpoint (ends at " +
          std::to_string(header.state_end) + ")");
    }
    state_from = header.state_end;
    purged_below_ = header.purged_below;
    SLUICE_ASSIGN_OR_RETURN(scan_from, load_checkpoint_locked(*checkpoint, now));
    last_checkpoint_bytes_ = static_cast<int64_t>(checkpoint->size_bytes());
  } else {
    if (state_->start_offset() > 0) {
      return Status::corruption(dir_.string() + ": the state log starts at " +
                                std::to_string(state_->start_offset()) +
                                " but there is no checkpoint");
    }
    index_.reset(messages_->log_start_offset());
  }
  SLUICE_RETURN_IF_ERROR(
      storage::for_each_record(*messages_, scan_from, [&](const storage::Record& record) {
        const MessageEntry* slot = index_.find(record.offset);
        if (slot != nullptr && (slot->flags & MessageEntry::kPresent) != 0) return Status::ok();
        SLUICE_ASSIGN_OR_RETURN(StoredMessage message, decode_message(record));
        if (fifo_ && !message.dedup_id.empty() && message.sent_ms + kDedupWindowMs > now) {
          dedup_.add(dedup_key(message), DedupHit{message.message_id, record.offset},
                     message.sent_ms);
        }
        insert_locked(record.offset, message);
        return Status::ok();
      }));
  SLUICE_RETURN_IF_ERROR(
      state_->replay(state_from, [this](const StateChange& change) { apply(change); }));
  rebuild_schedules();
  // What the state log holds beyond the checkpoint counts towards the next one.
  checkpointed_at_appended_ = -static_cast<int64_t>(state_->size_bytes());
  return Status::ok();
}

Result<int64_t> Queue::load_checkpoint_locked(const CheckpointReader& checkpoint, int64_t now_ms) {
  const CheckpointHeader& header = checkpoint.header();
  // Space reclaim after the checkpoint may have released its oldest slots.
  const int64_t base = std::max(header.index_base, messages_->log_start_offset());
  index_.reset(base);
  std::map<uint32_t, uint32_t> groups;  // checkpoint's group id -> FifoGroups index
  for (const CheckpointGroup& group : checkpoint.groups()) {
    groups[group.id] = groups_.find_or_add(group.name);
  }
  for (const CheckpointDedup& dedup : checkpoint.dedups()) {
    if (dedup.sent_ms + kDedupWindowMs <= now_ms) continue;
    dedup_.add(dedup.key, DedupHit{dedup.message_id, dedup.offset}, dedup.sent_ms);
  }
  MessageEntry gone;
  gone.flags = MessageEntry::kPresent | MessageEntry::kDeleted;
  int64_t next = base;  // the next slot to fill
  int64_t first_absent = -1;
  Status bad_group;
  SLUICE_RETURN_IF_ERROR(checkpoint.for_each_entry([&](int64_t offset, const MessageEntry& read) {
    if (offset < base) return;
    for (; next < offset; ++next) index_.insert(next, gone);
    next = offset + 1;
    MessageEntry entry = read;
    if ((entry.flags & MessageEntry::kPresent) == 0) {
      if (first_absent < 0) first_absent = offset;
      index_.insert(offset, entry);
      return;
    }
    if (fifo_) {
      auto it = groups.find(entry.group);
      if (it == groups.end()) {
        bad_group = Status::corruption("queue checkpoint: entry " + std::to_string(offset) +
                                       " names an unknown group");
        entry.flags |= MessageEntry::kDeleted;
      } else {
        entry.group = it->second;
      }
    }
    index_.insert(offset, entry);
    if (fifo_ && entry.live()) groups_.push(entry.group, offset, index_);
  }));
  SLUICE_RETURN_IF_ERROR(bad_group);
  for (; next < header.index_end; ++next) index_.insert(next, gone);
  // Releases the groups that kept no live message.
  for (const auto& [id, group] : groups) groups_.refresh(group, index_);
  return first_absent >= 0 ? first_absent : std::max(header.index_end, base);
}

// Replay rules that hold whatever order concurrent appends landed in: deletes are final, a
// receive only raises the receive count, a visibility change applies to its own receive.
void Queue::apply(const StateChange& change) {
  if (change.kind == StateKind::kPurged) {
    purged_below_ = std::max(purged_below_, change.offset);
    index_.for_each([&](int64_t offset, MessageEntry& entry) {
      if (offset < change.offset) entry.flags |= MessageEntry::kDeleted;
    });
    return;
  }
  MessageEntry* entry = index_.find(change.offset);
  if (entry == nullptr || !entry->live()) return;
  switch (change.kind) {
    case StateKind::kReceived:
      if (change.receive_count <= entry->receive_count) return;
      entry->receipt_nonce = change.nonce;
      entry->visible_at_ms = change.visible_at_ms;
      entry->receive_count = change.receive_count;
      entry->first_receive_ms = change.first_receive_ms;
      return;
    case StateKind::kVisibility:
      if (change.receive_count == entry->receive_count) entry->visible_at_ms = change.visible_at_ms;
      return;
    case StateKind::kDeleted:
    case StateKind::kMoved:
      entry->flags |= MessageEntry::kDeleted;
      return;
    case StateKind::kPurged:
      return;
  }
}

void Queue::rebuild_schedules() {
  const int64_t now = context_.clock();
  in_flight_.clear();
  std::set<uint32_t> groups;
  size_t live = 0;
  index_.for_each([&](int64_t, const MessageEntry& entry) { live += entry.live() ? 1 : 0; });
  // Built whole and heapified once (linear), sized exactly: no doubling on a large backlog.
  std::vector<ReadySlot> slots;
  if (!fifo_) slots.reserve(live);
  index_.for_each([&](int64_t offset, const MessageEntry& entry) {
    if (!entry.live()) return;
    if (entry.in_flight(now)) in_flight_.emplace(entry.visible_at_ms, offset);
    if (fifo_) {
      groups.insert(entry.group);
    } else {
      slots.push_back(ReadySlot{entry.visible_at_ms, offset});
    }
  });
  ready_ = decltype(ready_)(std::greater<>(), std::move(slots));
  for (uint32_t group : groups) groups_.refresh(group, index_);
}

// --- sending ---

std::string Queue::dedup_key(const StoredMessage& message) const {
  // DeduplicationScope=messageGroup makes ids unique per group; '\n' cannot occur in either id.
  if (metadata_.attributes.dedup_per_group()) return message.group_id + '\n' + message.dedup_id;
  return message.dedup_id;
}

Result<StoredMessage> Queue::prepare(const SendRequest& request, const QueueAttributes& attributes,
                                     int64_t now_ms) const {
  namespace protocol = sqs::protocol;
  SLUICE_RETURN_IF_ERROR(protocol::validate_message_body(request.body));
  SLUICE_RETURN_IF_ERROR(protocol::validate_message_attributes(request.attributes));
  SLUICE_RETURN_IF_ERROR(protocol::validate_message_system_attributes(request.system_attributes));
  const size_t size = protocol::message_size(request.body, request.attributes);
  if (static_cast<int64_t>(size) > attributes.maximum_message_size()) {
    // SQS's own wording, also inside a batch's failed entry.
    return make_error(ErrorCode::kInvalidParameterValue,
                      "One or more parameters are invalid. Reason: Message must be shorter than " +
                          std::to_string(attributes.maximum_message_size()) + " bytes.");
  }
  StoredMessage message;
  if (fifo_) {
    // SDKs and frameworks send DelaySeconds=0 with every message; SQS accepts that on FIFO
    // queues (the queue's own DelaySeconds still applies) and refuses any other value.
    if (request.delay_seconds && *request.delay_seconds != 0) {
      return make_error(ErrorCode::kInvalidParameterValue,
                        "Value " + std::to_string(*request.delay_seconds) +
                            " for parameter DelaySeconds is invalid. Reason: The request include "
                            "parameter that is not valid for this queue type.");
    }
    if (!request.group_id) {
      return sqs::protocol::missing_parameter("MessageGroupId");
    }
    if (request.dedup_id) {
      SLUICE_RETURN_IF_ERROR(validate_fifo_id("MessageDeduplicationId", *request.dedup_id));
      message.dedup_id = *request.dedup_id;
    } else if (attributes.content_based_deduplication()) {
      message.dedup_id = sha256_hex(request.body);
    } else {
      return make_error(ErrorCode::kInvalidParameterValue, std::string(kNoDeduplicationId));
    }
  } else if (request.dedup_id) {
    return make_error(ErrorCode::kInvalidParameterValue,
                      "MessageDeduplicationId is only valid for FIFO queues");
  }
  if (request.group_id) {
    // Standard queues accept a group id too (fair queues); it is stored and returned.
    SLUICE_RETURN_IF_ERROR(validate_fifo_id("MessageGroupId", *request.group_id));
    message.group_id = *request.group_id;
  }
  const int64_t delay = fifo_ ? attributes.delay_seconds()
                              : request.delay_seconds.value_or(attributes.delay_seconds());
  SLUICE_RETURN_IF_ERROR(
      protocol::validate_range("DelaySeconds", delay, 0, attributes.max_delay_seconds()));
  message.message_id = new_message_id();
  message.body = request.body;
  message.attributes = request.attributes;
  message.sent_ms = now_ms;
  message.visible_at_ms = now_ms + delay * 1000;
  if (auto it = request.system_attributes.find("AWSTraceHeader");
      it != request.system_attributes.end()) {
    message.trace_header = it->second.string_value.value_or("");
  }
  return message;
}

Result<storage::PendingAppend> Queue::write_messages(const std::vector<StoredMessage>& messages) {
  storage::RecordBatchBuilder builder(messages.front().sent_ms);
  for (const StoredMessage& message : messages) add_message_record(builder, message);
  std::string batch = builder.build();
  return messages_->append_async(std::span<char>(batch.data(), batch.size()), 0);
}

void Queue::insert_locked(int64_t offset, const StoredMessage& message) {
  if (offset < purged_below_) return;  // a send that raced a purge and lost
  MessageEntry entry;
  entry.visible_at_ms = message.visible_at_ms;
  entry.sent_s = seconds(message.sent_ms);
  entry.flags = MessageEntry::kPresent;
  if (fifo_) entry.group = groups_.find_or_add(message.group_id);
  MessageEntry* stored = index_.insert(offset, entry);
  if (stored == nullptr) {
    if (fifo_) groups_.refresh(entry.group, index_);  // releases a group created for nothing
    return;
  }
  if (fifo_) {
    groups_.push(entry.group, offset, index_);
  } else {
    ready_.push(ReadySlot{entry.visible_at_ms, offset});
  }
}

Result<SendResult> Queue::send(const SendRequest& request) {
  // Not through send_batch: a single message over the limit is InvalidParameterValue (from
  // prepare, against MaximumMessageSize), not a batch's BatchRequestTooLong.
  SLUICE_ASSIGN_OR_RETURN(auto results, send_messages({request}));
  return std::move(results.front());
}

Status Queue::check_batch_size(const std::vector<SendRequest>& requests) {
  int64_t payload = 0;
  for (const SendRequest& request : requests) {
    payload += static_cast<int64_t>(sqs::protocol::message_size(request.body, request.attributes));
  }
  if (payload > kMaxBatchPayload) {
    return make_error(ErrorCode::kBatchRequestTooLong,
                      "Batch requests cannot be longer than " + std::to_string(kMaxBatchPayload) +
                          " bytes. You have sent " + std::to_string(payload) + " bytes.");
  }
  return Status::ok();
}

Status Queue::check_fifo_batch(const std::vector<SendRequest>& requests) const {
  if (!fifo_) return Status::ok();
  const bool content_based = attributes().content_based_deduplication();
  for (const SendRequest& request : requests) {
    if (!request.dedup_id && !content_based) {
      return make_error(ErrorCode::kInvalidParameterValue, std::string(kNoDeduplicationId));
    }
    if (!request.group_id) {
      // MissingParameter's words, but InvalidParameterValue in a batch: SQS answers so.
      return make_error(ErrorCode::kInvalidParameterValue,
                        "The request must contain the parameter MessageGroupId.");
    }
  }
  return Status::ok();
}

Result<std::vector<Result<SendResult>>> Queue::send_batch(
    const std::vector<SendRequest>& requests) {
  SLUICE_RETURN_IF_ERROR(check_batch_size(requests));
  SLUICE_RETURN_IF_ERROR(check_fifo_batch(requests));
  return send_messages(requests);
}

Result<std::vector<Result<SendResult>>> Queue::send_messages(
    const std::vector<SendRequest>& requests) {
  return wait_for<std::vector<Result<SendResult>>>(
      [&](SendDone done) { send_async(requests, std::move(done)); });
}

void Queue::send_async(const std::vector<SendRequest>& requests, SendDone done) {
  const int64_t now = context_.clock();
  const QueueAttributes attributes = this->attributes();
  std::vector<Result<SendResult>> results;
  std::vector<StoredMessage> accepted;
  std::vector<size_t> accepted_at;  // index into results
  for (const SendRequest& request : requests) {
    auto message = prepare(request, attributes, now);
    if (!message.is_ok()) {
      results.emplace_back(message.status());
      continue;
    }
    SendResult result;
    result.message_id = message->message_id;
    result.md5_of_body = sqs::protocol::md5_of_message_body(request.body);
    result.md5_of_attributes = sqs::protocol::md5_of_message_attributes(request.attributes);
    result.md5_of_system_attributes =
        sqs::protocol::md5_of_message_attributes(request.system_attributes);
    results.emplace_back(std::move(result));
    accepted.push_back(std::move(*message));
    accepted_at.push_back(results.size() - 1);
  }
  if (accepted.empty()) return done(std::move(results));

  // FIFO sends hold the lock across the write (not the fdatasync): offsets then follow the
  // order of the dedup decisions and the sequence numbers handed out, and a concurrent send
  // of the same dedup id finds this one. Standard sends write unlocked.
  std::unique_lock lock(mu_, std::defer_lock);
  if (fifo_) {
    lock.lock();
    std::vector<StoredMessage> fresh;
    std::vector<size_t> fresh_at;
    std::map<std::string, DedupHit> in_batch;
    int64_t next_offset = messages_->log_end_offset();
    for (size_t i = 0; i < accepted.size(); ++i) {
      const std::string key = dedup_key(accepted[i]);
      std::optional<DedupHit> hit = dedup_.find(key, now);
      if (auto it = in_batch.find(key); !hit && it != in_batch.end()) hit = it->second;
      SendResult& result = results[accepted_at[i]].value();
      if (hit) {  // acknowledged, not enqueued again
        result.message_id = hit->message_id;
        result.sequence_number = sequence_number(hit->offset);
        continue;
      }
      in_batch[key] = DedupHit{accepted[i].message_id, next_offset};
      result.sequence_number = sequence_number(next_offset++);
      fresh.push_back(std::move(accepted[i]));
      fresh_at.push_back(accepted_at[i]);
    }
    accepted = std::move(fresh);
    accepted_at = std::move(fresh_at);
    if (accepted.empty()) {
      lock.unlock();
      return done(std::move(results));
    }
  }
  auto written = write_messages(accepted);
  if (!written.is_ok()) {
    if (lock.owns_lock()) lock.unlock();
    for (size_t at : accepted_at) results[at] = written.status();
    return done(std::move(results));
  }
  const int64_t base = written->result.base_offset;
  if (fifo_) {
    for (size_t i = 0; i < accepted.size(); ++i) {
      dedup_.add(dedup_key(accepted[i]),
                 DedupHit{accepted[i].message_id, base + static_cast<int64_t>(i)}, now);
    }
    lock.unlock();
  }
  // Inserted once durable, so that no receive hands out a message a power cut could take
  // back. Tickets of one log complete in offset order, which keeps FIFO groups in order.
  written->durable.then([self = this, base, accepted = std::move(accepted),
                         accepted_at = std::move(accepted_at), results = std::move(results),
                         done = std::move(done)](Status durable) mutable {
    if (!durable.is_ok()) {
      for (size_t at : accepted_at) results[at] = durable;
      return done(std::move(results));
    }
    {
      std::lock_guard guard(self->mu_);
      for (size_t i = 0; i < accepted.size(); ++i) {
        self->insert_locked(base + static_cast<int64_t>(i), accepted[i]);
      }
    }
    self->wake();
    done(std::move(results));
  });
}

Status Queue::accept_moved(StoredMessage message) {
  {
    // Not under mu_: the syncer thread that completes the ticket may first have to run a
    // send's callback, which takes mu_.
    SLUICE_ASSIGN_OR_RETURN(auto written, write_messages({message}));
    SLUICE_RETURN_IF_ERROR(written.durable.wait());
    std::lock_guard lock(mu_);
    insert_locked(written.result.base_offset, message);
  }
  // Long polls of this queue take it at once (a move task returns messages here).
  wake();
  return Status::ok();
}

// --- receiving ---

bool Queue::expired(const MessageEntry& entry, int64_t now_ms) const {
  const int64_t retention_s = metadata_.attributes.retention_seconds();
  return int64_t{entry.sent_s} + retention_s <= now_ms / 1000;
}

void Queue::prune_in_flight_locked(int64_t now_ms) {
  while (!in_flight_.empty() && in_flight_.begin()->first <= now_ms) {
    in_flight_.erase(in_flight_.begin());
  }
}

void Queue::take_one(int64_t offset, MessageEntry& entry, int64_t now_ms, int64_t timeout_ms,
                     int64_t max_receives, std::vector<Pick>* picks, std::vector<Pick>* moves,
                     std::vector<StateChange>* changes) {
  if (expired(entry, now_ms)) {
    entry.flags |= MessageEntry::kDeleted;
    return;
  }
  if (max_receives > 0 && entry.receive_count >= max_receives) {
    entry.flags |= MessageEntry::kDeleted;
    moves->push_back(Pick{offset, {}, entry});
    return;
  }
  entry.receive_count = static_cast<uint16_t>(std::min<int>(entry.receive_count + 1, UINT16_MAX));
  entry.receipt_nonce = ++next_nonce_;
  if (entry.first_receive_ms == 0) entry.first_receive_ms = now_ms;
  entry.visible_at_ms = now_ms + timeout_ms;
  if (timeout_ms > 0) in_flight_.emplace(entry.visible_at_ms, offset);
  if (!fifo_) ready_.push(ReadySlot{entry.visible_at_ms, offset});
  changes->push_back(StateChange{StateKind::kReceived, offset, entry.receipt_nonce,
                                 entry.visible_at_ms, entry.receive_count, entry.first_receive_ms});
  picks->push_back(Pick{offset, {}, entry});
}

void Queue::take_standard(int max, int64_t now_ms, int64_t timeout_ms, int64_t max_receives,
                          std::vector<Pick>* picks, std::vector<Pick>* moves,
                          std::vector<StateChange>* changes) {
  while (static_cast<int>(picks->size()) < max && !ready_.empty()) {
    const ReadySlot slot = ready_.top();
    if (slot.visible_at_ms > now_ms) break;
    ready_.pop();
    MessageEntry* entry = index_.find(slot.offset);
    if (entry == nullptr || !entry->live() || entry->visible_at_ms != slot.visible_at_ms) continue;
    take_one(slot.offset, *entry, now_ms, timeout_ms, max_receives, picks, moves, changes);
  }
}

void Queue::take_fifo(int max, int64_t now_ms, int64_t timeout_ms, int64_t max_receives,
                      std::vector<Pick>* picks, std::vector<Pick>* moves,
                      std::vector<StateChange>* changes) {
  while (static_cast<int>(picks->size()) < max) {
    std::optional<uint32_t> group = groups_.pop_ready(now_ms);
    if (!group) break;
    groups_.visit(*group, index_, [&](int64_t offset, MessageEntry& entry) {
      if (static_cast<int>(picks->size()) >= max || entry.visible_at_ms > now_ms) return false;
      take_one(offset, entry, now_ms, timeout_ms, max_receives, picks, moves, changes);
      return true;
    });
    groups_.refresh(*group, index_);
  }
}

bool Queue::retake_attempt_locked(const std::vector<AttemptedMessage>& attempted, int64_t now_ms,
                                  int64_t timeout_ms, std::vector<Pick>* picks,
                                  std::vector<StateChange>* changes) {
  for (const AttemptedMessage& message : attempted) {
    const MessageEntry* entry = index_.find(message.offset);
    // Deleted, received again, its visibility changed, or visible again: not the same receive.
    if (entry == nullptr || !entry->live() || entry->receipt_nonce != message.receipt_nonce ||
        entry->visible_at_ms != message.visible_at_ms || entry->visible_at_ms <= now_ms) {
      return false;
    }
  }
  for (const AttemptedMessage& message : attempted) {
    MessageEntry& entry = *index_.find(message.offset);
    set_visibility_locked(message.offset, entry, now_ms + timeout_ms);
    changes->push_back(StateChange{StateKind::kVisibility, message.offset, 0, entry.visible_at_ms,
                                   entry.receive_count, 0});
    picks->push_back(Pick{message.offset, {}, entry});
  }
  prune_in_flight_locked(now_ms);
  return true;
}

void Queue::restore_locked(int64_t offset, const MessageEntry& entry) {
  MessageEntry* stored = index_.find(offset);
  if (stored == nullptr || offset < purged_below_) return;  // reclaimed or purged meanwhile
  *stored = entry;
  reschedule_locked(offset, *stored);
}

void Queue::reschedule_locked(int64_t offset, const MessageEntry& entry) {
  if (fifo_) {
    groups_.refresh(entry.group, index_);
  } else {
    ready_.push(ReadySlot{entry.visible_at_ms, offset});
  }
}

Status Queue::move_to_dead_letters(const std::shared_ptr<Queue>& target, std::vector<Pick>& moves,
                                   std::vector<StateChange>* changes) {
  Status result;
  for (Pick& move : moves) {
    StoredMessage message = std::move(move.message);
    message.dlq_source_arn = context_.arn;
    // A FIFO dead-letter queue resets the enqueue time; a standard one keeps it.
    if (target->fifo()) message.sent_ms = context_.clock();
    message.visible_at_ms = message.sent_ms;
    Status moved = target->accept_moved(std::move(message));
    if (moved.is_ok()) {
      changes->push_back(StateChange{StateKind::kMoved, move.offset, 0, 0, 0, 0});
      continue;
    }
    // Not moved: the message stays here, as it was.
    std::lock_guard lock(mu_);
    restore_locked(move.offset, move.entry);
    result = moved;
  }
  return result;
}

Result<std::vector<ReceivedMessage>> Queue::receive(const ReceiveRequest& request) {
  auto received = wait_for<Result<std::vector<ReceivedMessage>>>(
      [&](ReceiveDone done) { receive_async(request, std::move(done)); });
  upkeep();
  return received;
}

void Queue::receive_async(const ReceiveRequest& request, ReceiveDone done) {
  auto pending = receive_write(request);
  if (!pending.is_ok()) return done(pending.status());
  pending->durable.then(
      [received = std::move(pending->received), done = std::move(done)](Status durable) mutable {
        if (!durable.is_ok()) return done(durable);
        done(std::move(received));
      });
}

void Queue::upkeep() {
  {
    std::lock_guard lock(mu_);
    Status status = reclaim_locked(context_.clock());
    if (!status.is_ok()) {
      log::get("queues")->error("releasing queue space failed queue={} error=\"{}\"", name(),
                                status.to_string());
    }
  }
  maybe_checkpoint();
}

Result<Queue::PendingReceive> Queue::receive_write(const ReceiveRequest& request) {
  SLUICE_RETURN_IF_ERROR(
      sqs::protocol::validate_range("MaxNumberOfMessages", request.max_messages, 1, 10));
  if (request.visibility_timeout_s) {
    SLUICE_RETURN_IF_ERROR(sqs::protocol::validate_range("VisibilityTimeout",
                                                         *request.visibility_timeout_s, 0, 43200));
  }
  // Resolved before taking mu_: the resolver takes the manager's lock.
  const std::optional<RedrivePolicy> redrive = attributes().redrive_policy();
  std::shared_ptr<Queue> dead_letters;
  if (redrive && context_.dead_letters)
    dead_letters = context_.dead_letters(redrive->dead_letter_target_arn);
  const int64_t max_receives = dead_letters ? redrive->max_receive_count : 0;

  std::vector<Pick> picks;
  std::vector<Pick> moves;
  std::vector<StateChange> changes;
  {
    std::lock_guard lock(mu_);
    const int64_t now = context_.clock();
    prune_in_flight_locked(now);
    if (!fifo_ && static_cast<int64_t>(in_flight_.size()) >= kMaxInFlightStandard) {
      return make_error(ErrorCode::kOverLimit, "too many messages in flight (120000)");
    }
    const int64_t timeout_ms =
        request.visibility_timeout_s.value_or(metadata_.attributes.visibility_timeout_seconds()) *
        1000;
    if (fifo_) {
      const std::vector<AttemptedMessage>* attempted =
          request.attempt_id ? attempts_.find(*request.attempt_id, now) : nullptr;
      if (attempted == nullptr ||
          !retake_attempt_locked(*attempted, now, timeout_ms, &picks, &changes)) {
        take_fifo(request.max_messages, now, timeout_ms, max_receives, &picks, &moves, &changes);
      }
      if (request.attempt_id) {
        std::vector<AttemptedMessage> returned;
        for (const Pick& pick : picks) {
          returned.push_back({pick.offset, pick.entry.receipt_nonce, pick.entry.visible_at_ms});
        }
        attempts_.remember(*request.attempt_id, std::move(returned), now);
      }
    } else {
      take_standard(request.max_messages, now, timeout_ms, max_receives, &picks, &moves, &changes);
    }
    for (std::vector<Pick>* list : {&picks, &moves}) {
      for (Pick& pick : *list) {
        SLUICE_RETURN_IF_ERROR(with_record(*messages_, pick.offset, [&](const storage::Record& r) {
          SLUICE_ASSIGN_OR_RETURN(pick.message, decode_message(r));
          return Status::ok();
        }));
      }
    }
  }
  Status moved = moves.empty() ? Status::ok() : move_to_dead_letters(dead_letters, moves, &changes);
  if (!moved.is_ok()) {
    log::get("queues")->error("moving to the dead-letter queue failed queue={} error=\"{}\"",
                              name(), moved.to_string());
  }
  PendingReceive pending;
  SLUICE_ASSIGN_OR_RETURN(pending.durable, state_->append_async(changes, context_.clock()));
  for (const Pick& pick : picks) pending.received.push_back(to_received(pick));
  return pending;
}

ReceivedMessage Queue::to_received(const Pick& pick) const {
  const StoredMessage& message = pick.message;
  ReceivedMessage out;
  out.message_id = message.message_id;
  out.receipt_handle =
      encode_receipt_handle(ReceiptHandle{pick.offset, pick.entry.receipt_nonce}, metadata_.secret);
  out.body = message.body;
  out.md5_of_body = sqs::protocol::md5_of_message_body(message.body);
  out.attributes = message.attributes;
  out.md5_of_attributes = sqs::protocol::md5_of_message_attributes(message.attributes);
  StringMap& system = out.system_attributes;
  system["SentTimestamp"] = std::to_string(message.sent_ms);
  system["ApproximateReceiveCount"] = std::to_string(pick.entry.receive_count);
  system["ApproximateFirstReceiveTimestamp"] = std::to_string(pick.entry.first_receive_ms);
  system["SenderId"] = "AIDAIENQZJOLO23YVJ4VO";  // SQS's shape; there are no IAM users here
  if (!message.group_id.empty()) system["MessageGroupId"] = message.group_id;
  if (fifo_) {
    system["MessageDeduplicationId"] = message.dedup_id;
    system["SequenceNumber"] = sequence_number(pick.offset);
  }
  if (!message.trace_header.empty()) system["AWSTraceHeader"] = message.trace_header;
  if (!message.dlq_source_arn.empty()) system["DeadLetterQueueSourceArn"] = message.dlq_source_arn;
  return out;
}

// --- deleting and visibility ---

Status Queue::delete_message(std::string_view receipt_handle) {
  return delete_messages({receipt_handle}).front();
}

Status Queue::delete_locked(std::string_view receipt_handle, int64_t now_ms,
                            std::vector<StateChange>* changes, bool* unblocked_group) {
  const auto handle = decode_receipt_handle(receipt_handle, metadata_.secret);
  if (!handle) return sqs::protocol::invalid_receipt_handle(receipt_handle);
  MessageEntry* entry = index_.find(handle->offset);
  if (entry == nullptr) return Status::ok();  // reclaimed: its delete is already durable
  if (entry->live()) {
    if (fifo_ && (entry->receipt_nonce != handle->nonce || entry->visible_at_ms <= now_ms)) {
      // What SQS answers DeleteMessage here (aws-sdk-js#1279, boto3#2898).
      return make_error(ErrorCode::kInvalidParameterValue,
                        "Value " + std::string(receipt_handle) +
                            " for parameter ReceiptHandle is invalid. Reason: The receipt "
                            "handle has expired.");
    }
    in_flight_.erase({entry->visible_at_ms, handle->offset});
    entry->flags |= MessageEntry::kDeleted;
    if (fifo_) {
      groups_.refresh(entry->group, index_);
      *unblocked_group = true;
    }
  }
  // An already deleted message is recorded again: its first delete may not be durable yet,
  // and this call must not succeed before it is.
  changes->push_back(StateChange{StateKind::kDeleted, handle->offset, 0, 0, 0, 0});
  return Status::ok();
}

std::vector<Status> Queue::delete_messages(const std::vector<std::string_view>& receipt_handles) {
  auto results = wait_for<std::vector<Status>>(
      [&](DeleteDone done) { delete_async(receipt_handles, std::move(done)); });
  upkeep();
  return results;
}

Queue::PendingDeletes Queue::delete_write(const std::vector<std::string_view>& receipt_handles) {
  PendingDeletes pending;
  std::vector<StateChange> changes;
  {
    std::lock_guard lock(mu_);
    const int64_t now = context_.clock();
    for (std::string_view handle : receipt_handles) {
      pending.results.push_back(delete_locked(handle, now, &changes, &pending.unblocked_group));
    }
  }
  // One write for the whole batch; until its ticket completes no delete has succeeded.
  auto durable = state_->append_async(changes, context_.clock());
  if (!durable.is_ok()) {
    for (Status& result : pending.results) {
      if (result.is_ok()) result = durable.status();
    }
    pending.unblocked_group = false;
    return pending;
  }
  pending.durable = *durable;
  return pending;
}

void Queue::delete_async(const std::vector<std::string_view>& receipt_handles, DeleteDone done) {
  PendingDeletes pending = delete_write(receipt_handles);
  pending.durable.then([self = this, results = std::move(pending.results),
                        unblocked = pending.unblocked_group,
                        done = std::move(done)](Status durable) mutable {
    if (!durable.is_ok()) {
      for (Status& result : results) {
        if (result.is_ok()) result = durable;
      }
      return done(std::move(results));
    }
    if (unblocked) self->wake();
    done(std::move(results));
  });
}

void Queue::set_visibility_locked(int64_t offset, MessageEntry& entry, int64_t visible_at_ms) {
  in_flight_.erase({entry.visible_at_ms, offset});
  entry.visible_at_ms = visible_at_ms;
  in_flight_.emplace(visible_at_ms, offset);
  reschedule_locked(offset, entry);
}

Status Queue::change_visibility(std::string_view receipt_handle, int64_t timeout_s) {
  SLUICE_RETURN_IF_ERROR(sqs::protocol::validate_range("VisibilityTimeout", timeout_s, 0, 43200));
  const auto handle = decode_receipt_handle(receipt_handle, metadata_.secret);
  if (!handle) return sqs::protocol::invalid_receipt_handle(receipt_handle);
  StateChange change;
  {
    std::lock_guard lock(mu_);
    const int64_t now = context_.clock();
    MessageEntry* entry = index_.find(handle->offset);
    if (entry == nullptr || !entry->in_flight(now)) {
      return make_error(ErrorCode::kMessageNotInflight, "the message is not in flight");
    }
    // On a standard queue an older handle of the message changes its current receive, as
    // SQS does (moto#4655, checked against AWS); a FIFO queue wants the latest one.
    if (fifo_ && entry->receipt_nonce != handle->nonce) {
      return make_error(ErrorCode::kReceiptHandleIsInvalid, "the receipt handle has expired");
    }
    set_visibility_locked(handle->offset, *entry, now + timeout_s * 1000);
    prune_in_flight_locked(now);
    change = StateChange{StateKind::kVisibility, handle->offset,       0,
                         entry->visible_at_ms,   entry->receive_count, 0};
  }
  SLUICE_RETURN_IF_ERROR(state_->append({change}, context_.clock()));
  maybe_checkpoint();
  wake();
  return Status::ok();
}

Status Queue::purge() {
  int64_t below = 0;
  {
    std::lock_guard lock(mu_);
    const int64_t now = context_.clock();
    if (last_purge_ms_ >= 0 && now - last_purge_ms_ < kPurgeIntervalMs) {
      return make_error(
          ErrorCode::kPurgeQueueInProgress,
          "only one PurgeQueue operation on " + name() + " is allowed every 60 seconds");
    }
    last_purge_ms_ = now;
    below = messages_->log_end_offset();
    purged_below_ = below;
    index_.for_each([&](int64_t offset, MessageEntry& entry) {
      if (offset < below) entry.flags |= MessageEntry::kDeleted;
    });
    ready_ = {};
    in_flight_.clear();
    groups_.clear();
  }
  const int64_t now = context_.clock();
  SLUICE_RETURN_IF_ERROR(state_->append({StateChange{StateKind::kPurged, below, 0, 0, 0, 0}}, now));
  {
    std::lock_guard lock(mu_);
    SLUICE_RETURN_IF_ERROR(reclaim_locked(now));
  }
  maybe_checkpoint();
  return Status::ok();
}

Status Queue::reclaim_locked(int64_t now_ms) {
  const int64_t limit = dedup_.min_offset(now_ms);
  const int64_t base = index_.trim_front(limit, [&](int64_t offset, const MessageEntry& entry) {
    // An absent slot is a send still inserting, unless a purge already covers it.
    if ((entry.flags & MessageEntry::kPresent) == 0) return offset < purged_below_;
    return (entry.flags & MessageEntry::kDeleted) != 0 || expired(entry, now_ms);
  });
  const bool all_gone = base == messages_->log_end_offset();
  if (base - released_below_ < kReclaimStep && !(all_gone && base > released_below_)) {
    return Status::ok();
  }
  SLUICE_RETURN_IF_ERROR(messages_->delete_records(base));
  released_below_ = base;
  return Status::ok();
}

// --- attributes, tags, counters ---

QueueAttributes Queue::attributes() const {
  std::lock_guard lock(mu_);
  return metadata_.attributes;
}

void Queue::tally_recovery(storage::RecoveryTally* tally) const {
  tally->add(messages_->recovery());
  tally->add(state_->recovery());
}

QueueCounts Queue::counts() {
  std::lock_guard lock(mu_);
  const int64_t now = context_.clock();
  QueueCounts counts;
  index_.for_each([&](int64_t, const MessageEntry& entry) {
    if (!entry.live() || expired(entry, now)) return;
    if (counts.oldest_sent_s == 0 || entry.sent_s < counts.oldest_sent_s) {
      counts.oldest_sent_s = entry.sent_s;
    }
    if (entry.visible_at_ms <= now) {
      ++counts.visible;
    } else if (entry.received()) {
      ++counts.not_visible;
    } else {
      ++counts.delayed;
    }
  });
  return counts;
}

StringMap Queue::get_attributes(const std::vector<std::string>& names) {
  const QueueCounts now_counts = counts();
  StringMap all;
  {
    std::lock_guard lock(mu_);
    all = metadata_.attributes.all();
    if (auto policy = metadata_.attributes.redrive_policy())
      all["RedrivePolicy"] = policy->to_json();
    all["CreatedTimestamp"] = std::to_string(metadata_.created_s);
    all["LastModifiedTimestamp"] = std::to_string(metadata_.last_modified_s);
  }
  all["QueueArn"] = context_.arn;
  all["ApproximateNumberOfMessages"] = std::to_string(now_counts.visible);
  all["ApproximateNumberOfMessagesNotVisible"] = std::to_string(now_counts.not_visible);
  all["ApproximateNumberOfMessagesDelayed"] = std::to_string(now_counts.delayed);
  if (std::find(names.begin(), names.end(), "All") != names.end()) return all;
  StringMap out;
  for (const std::string& name : names) {
    if (auto it = all.find(name); it != all.end()) out[name] = it->second;
  }
  return out;
}

Status Queue::save_metadata_locked() {
  metadata_.last_modified_s = context_.clock() / 1000;
  return write_queue_metadata(*context_.fs, dir_ / "queue.json", metadata_);
}

Status Queue::set_attributes(const StringMap& values) {
  // SQS's answers: a standard queue has no such attribute, and a FIFO queue stays one.
  if (values.count("FifoQueue") != 0 && !fifo_) {
    return make_error(ErrorCode::kInvalidAttributeName, "Unknown Attribute FifoQueue.");
  }
  if (values.count("FifoQueue") != 0) {
    return make_error(ErrorCode::kInvalidAttributeValue,
                      "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is "
                      "not supported.");
  }
  SLUICE_RETURN_IF_ERROR(sqs::protocol::validate_queue_attributes(values, fifo_));
  std::lock_guard lock(mu_);
  QueueMetadata previous = metadata_;
  metadata_.attributes.set(values);
  Status saved = save_metadata_locked();
  if (!saved.is_ok()) metadata_ = std::move(previous);
  return saved;
}

StringMap Queue::tags() const {
  std::lock_guard lock(mu_);
  return metadata_.tags;
}

Status Queue::tag(const StringMap& tags) {
  std::lock_guard lock(mu_);
  QueueMetadata previous = metadata_;
  for (const auto& [key, value] : tags) metadata_.tags[key] = value;
  if (metadata_.tags.size() > 50) {
    metadata_ = std::move(previous);
    return make_error(ErrorCode::kInvalidParameterValue, "a queue can have at most 50 tags");
  }
  Status saved = save_metadata_locked();
  if (!saved.is_ok()) metadata_ = std::move(previous);
  return saved;
}

Status Queue::untag(const std::vector<std::string>& keys) {
  std::lock_guard lock(mu_);
  QueueMetadata previous = metadata_;
  for (const std::string& key : keys) metadata_.tags.erase(key);
  Status saved = save_metadata_locked();
  if (!saved.is_ok()) metadata_ = std::move(previous);
  return saved;
}

// --- waiting ---

std::optional<int64_t> Queue::next_visible_at() {
  std::lock_guard lock(mu_);
  if (fifo_) return groups_.next_ready_at();
  while (!ready_.empty()) {
    const ReadySlot& slot = ready_.top();
    const MessageEntry* entry = index_.find(slot.offset);
    if (entry != nullptr && entry->live() && entry->visible_at_ms == slot.visible_at_ms) {
      return slot.visible_at_ms;
    }
    ready_.pop();
  }
  return std::nullopt;
}

uint64_t Queue::subscribe(std::function<void()> wake) {
  std::lock_guard lock(waiters_mu_);
  const uint64_t id = next_waiter_id_++;
  waiters_.emplace(id, std::move(wake));
  return id;
}

void Queue::unsubscribe(uint64_t id) {
  std::lock_guard lock(waiters_mu_);
  waiters_.erase(id);
}

void Queue::wake() {
  std::map<uint64_t, std::function<void()>> waiters;
  {
    std::lock_guard lock(waiters_mu_);
    waiters.swap(waiters_);
  }
  for (auto& [id, wake] : waiters) wake();
}

// --- checkpoints and upkeep ---

std::string Queue::encode_checkpoint_locked(int64_t state_end, int64_t now_ms) {
  const CheckpointHeader header{index_.base_offset(), index_.end_offset(), state_end,
                                purged_below_};
  std::vector<CheckpointGroup> groups;
  groups_.for_each_group([&](uint32_t id, const std::string& name) {
    groups.push_back(CheckpointGroup{id, name});
  });
  std::vector<CheckpointDedup> dedups;
  dedup_.for_each(now_ms, [&](const std::string& key, const DedupHit& hit, int64_t sent_ms) {
    dedups.push_back(CheckpointDedup{key, hit.message_id, hit.offset, sent_ms});
  });
  CheckpointWriter writer(header, groups, dedups);
  index_.for_each([&](int64_t offset, const MessageEntry& entry) {
    if ((entry.flags & MessageEntry::kPresent) == 0) {
      // A send still inserting: open reads its record again. Below a purge it never counts.
      if (offset >= purged_below_) writer.add(offset, entry);
      return;
    }
    if ((entry.flags & MessageEntry::kDeleted) == 0) writer.add(offset, entry);
  });
  return writer.finish();
}

Status Queue::write_checkpoint_locked() {
  if (closed_) return Status::failed_precondition("queue " + name() + " is closed");
  std::string bytes;
  int64_t state_end = 0;
  int64_t appended = 0;
  {
    std::lock_guard lock(mu_);
    // Read under mu_: every record below this end was appended by an operation that had
    // already changed memory under mu_ (see the header comment).
    state_end = state_->end_offset();
    appended = state_->appended_bytes();
    bytes = encode_checkpoint_locked(state_end, context_.clock());
  }
  SLUICE_RETURN_IF_ERROR(state_->flush());
  SLUICE_RETURN_IF_ERROR(messages_->flush());
  SLUICE_RETURN_IF_ERROR(write_file_atomically(*context_.fs, dir_ / kCheckpointFile, bytes));
  last_checkpoint_bytes_ = static_cast<int64_t>(bytes.size());
  checkpointed_at_appended_ = appended;
  return state_->drop_before(state_end);
}

Status Queue::checkpoint() {
  std::lock_guard checkpoint_lock(checkpoint_mu_);
  return write_checkpoint_locked();
}

void Queue::maybe_checkpoint() {
  const auto due = [this] {
    const int64_t threshold =
        std::max(context_.storage.checkpoint_min_state_bytes, last_checkpoint_bytes_.load());
    return state_->appended_bytes() - checkpointed_at_appended_.load() >= threshold;
  };
  if (!due()) return;
  std::unique_lock checkpoint_lock(checkpoint_mu_, std::try_to_lock);
  if (!checkpoint_lock.owns_lock() || closed_ || !due()) return;  // someone else is on it
  Status status = write_checkpoint_locked();
  if (!status.is_ok()) {
    log::get("queues")->error("queue checkpoint failed queue={} error=\"{}\"", name(),
                              status.to_string());
  }
}

Status Queue::maintain() {
  {
    std::lock_guard checkpoint_lock(checkpoint_mu_);
    if (closed_) return Status::ok();
    std::lock_guard lock(mu_);
    SLUICE_RETURN_IF_ERROR(reclaim_locked(context_.clock()));
  }
  maybe_checkpoint();
  return Status::ok();
}

Status Queue::close() {
  std::lock_guard checkpoint_lock(checkpoint_mu_);
  if (closed_) return Status::ok();
  Status checkpointed =
      context_.storage.checkpoint_on_close ? write_checkpoint_locked() : Status::ok();
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  // Not under mu_: closing flushes, and the syncer thread that completes the flush may first
  // run a send's callback, which takes mu_.
  Status messages = messages_->close();
  Status state = state_->close();
  if (!checkpointed.is_ok()) return checkpointed;
  return messages.is_ok() ? state : messages;
}

}  // namespace sluice::queues
