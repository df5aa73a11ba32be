#include "storage/partition_log.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <thread>
#include <vector>

#include "common/log.h"
#include "common/metrics.h"
#include "common/wait_for.h"
#include "storage/format.h"
#include "storage/record_batch.h"

namespace sluice::storage {

using namespace format;

namespace {
// The longest a sync job waits for in-flight appends to join its fdatasync.
constexpr auto kMaxCommitDelay = std::chrono::microseconds(200);

// Counts an append from before it takes the writer lock to after its write, so that a sync
// can wait for appends already on their way (see run_sync's commit delay).
class AppendInFlight {
 public:
  explicit AppendInFlight(std::atomic<int>& count) : count_(count) {
    count_.fetch_add(1, std::memory_order_acq_rel);
  }
  ~AppendInFlight() { count_.fetch_sub(1, std::memory_order_acq_rel); }
  AppendInFlight(const AppendInFlight&) = delete;
  AppendInFlight& operator=(const AppendInFlight&) = delete;

 private:
  std::atomic<int>& count_;
};

}  // namespace

int64_t system_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status ReadResult::append_to(std::string* out) const {
  if (empty()) return Status::ok();
  const size_t old_size = out->size();
  out->resize(old_size + size);
  Status status = segment->read(position, size, out->data() + old_size);
  if (!status.is_ok()) out->resize(old_size);
  return status;
}

std::optional<FileRange> ReadResult::file_range() const {
  if (empty() || segment->log_fd() < 0) return std::nullopt;
  return FileRange{.fd = segment->log_fd(), .offset = position, .size = size, .owner = segment};
}

namespace {

std::optional<int64_t> parse_segment_base(const std::filesystem::path& file) {
  const std::string stem = file.stem().string();
  if (file.extension() != kLogSuffix || stem.size() != kSegmentNameDigits) return std::nullopt;
  int64_t base = 0;
  auto [end, error] = std::from_chars(stem.data(), stem.data() + stem.size(), base);
  if (error != std::errc() || end != stem.data() + stem.size() || base < 0) return std::nullopt;
  return base;
}

// Every log's append fdatasyncs, in one histogram: the disk is shared, so its latency is
// one figure for the broker.
metrics::Histogram& fsync_latency() {
  static metrics::Histogram& histogram = metrics::default_registry().histogram(
      "sluice_fsync_duration_seconds", "Time of the fdatasync calls that make appends durable");
  return histogram;
}

}  // namespace

PartitionLog::PartitionLog(std::filesystem::path dir, const LogConfig& config, Clock clock,
                           FileSystem& fs, LogSyncer* syncer, LeaderEpochCache epochs)
    : dir_(std::move(dir)),
      clock_(std::move(clock)),
      fs_(fs),
      syncer_(syncer),
      epochs_(std::move(epochs)),
      config_(config) {}

PartitionLog::~PartitionLog() {
  Status status = close();
  if (!status.is_ok()) {
    log::get("storage")->error("closing log failed dir={} error=\"{}\"", dir_.string(),
                               status.to_string());
  }
  // A syncer job may still be running the callbacks of its last fdatasync.
  std::unique_lock lock(sync_mu_);
  sync_idle_cv_.wait(lock, [this] { return !sync_scheduled_; });
}

Result<std::unique_ptr<PartitionLog>> PartitionLog::open(const std::filesystem::path& dir,
                                                         const LogConfig& config, Clock clock,
                                                         FileSystem& fs, LogSyncer* syncer) {
  SLUICE_RETURN_IF_ERROR(create_directories(fs, dir));
  bool epochs_found = false;
  SLUICE_ASSIGN_OR_RETURN(auto epochs,
                          LeaderEpochCache::load(fs, dir / kLeaderEpochFile, &epochs_found));
  std::unique_ptr<PartitionLog> log(
      new PartitionLog(dir, config, std::move(clock), fs, syncer, std::move(epochs)));
  SLUICE_RETURN_IF_ERROR(log->load(epochs_found));
  return log;
}

Status PartitionLog::load(bool epochs_found) {
  std::vector<int64_t> bases;
  std::vector<std::filesystem::path> leftovers;
  SLUICE_ASSIGN_OR_RETURN(auto entries, fs_.list(dir_));
  for (const auto& entry : entries) {
    const auto file = dir_ / entry.name;
    if (auto base = parse_segment_base(file)) {
      bases.push_back(*base);
    } else if (file.extension() == ".tmp") {
      leftovers.push_back(file);  // an atomic replace that never finished
    } else if (file.extension() == kOffsetIndexSuffix || file.extension() == kTimeIndexSuffix) {
      std::filesystem::path log_file = file;
      log_file.replace_extension(kLogSuffix);
      SLUICE_ASSIGN_OR_RETURN(bool has_log, fs_.exists(log_file));
      if (!has_log) leftovers.push_back(file);  // removal cut short
    }
  }
  for (const auto& file : leftovers) SLUICE_RETURN_IF_ERROR(fs_.remove(file));
  std::sort(bases.begin(), bases.end());

  const auto marker = dir_ / kCleanShutdownFile;
  SLUICE_ASSIGN_OR_RETURN(recovery_.clean_shutdown, fs_.exists(marker));
  recovery_.segments = bases.size();

  int64_t start = 0;
  auto text = read_small_file(fs_, dir_ / kLogStartOffsetFile);
  // Only a missing file means "never raised": any other failure must not resurrect records.
  if (!text.is_ok() && text.status().code() != StatusCode::kNotFound) return text.status();
  if (text.is_ok()) {
    auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), start);
    if (error != std::errc()) {
      return Status::corruption(dir_.string() + "/" + kLogStartOffsetFile + " is not a number");
    }
  }

  for (size_t i = 0; i < bases.size(); ++i) {
    const bool newest = i + 1 == bases.size();
    SegmentRecovery found;
    // Only the newest segment can hold a torn write: a segment is fsynced before the next
    // one is created, and a clean shutdown fsyncs the newest.
    auto segment = newest && !recovery_.clean_shutdown
                       ? Segment::open_and_recover(fs_, dir_, bases[i], &found)
                       : Segment::open_trusted(fs_, dir_, bases[i], &found);
    if (!segment.is_ok()) return segment.status();
    if (found.indexes_rebuilt && !found.scanned) ++recovery_.indexes_rebuilt;
    if (newest) recovery_.tail = found;
    segments_.emplace(bases[i], std::shared_ptr<Segment>(std::move(*segment)));
  }
  if (segments_.empty()) {
    SLUICE_ASSIGN_OR_RETURN(auto segment, Segment::create(fs_, dir_, start));
    segments_.emplace(start, std::shared_ptr<Segment>(std::move(segment)));
    SLUICE_RETURN_IF_ERROR(fs_.sync_directory(dir_));
  }

  const int64_t end = segments_.rbegin()->second->next_offset();
  start = std::clamp(start, segments_.begin()->second->base_offset(), end);
  next_offset_.store(end);
  log_start_offset_.store(start);
  // Whatever survived the stop is on disk now; one sync makes that so after a process crash.
  SLUICE_RETURN_IF_ERROR(segments_.rbegin()->second->sync());
  durable_offset_.store(end);
  high_watermark_.store(end);
  last_flush_ms_.store(clock_());
  if (epochs_found) {
    SLUICE_RETURN_IF_ERROR(rebuild_producer_state());
    // A torn tail may have taken the batches an entry pointed at.
    SLUICE_RETURN_IF_ERROR(epochs_.truncate_from_end(end + 1));
  } else {
    // No checkpoint yet (a new log, or one written before epochs were kept): the batch
    // headers say where each epoch began.
    std::vector<EpochEntry> epochs;
    SLUICE_RETURN_IF_ERROR(rebuild_producer_state(&epochs));
    if (!epochs.empty()) SLUICE_RETURN_IF_ERROR(epochs_.reset(std::move(epochs)));
  }
  SLUICE_RETURN_IF_ERROR(epochs_.truncate_from_start(start));

  if (recovery_.clean_shutdown) {
    SLUICE_RETURN_IF_ERROR(fs_.remove(marker));
    SLUICE_RETURN_IF_ERROR(fs_.sync_directory(dir_));
  }

  auto logger = log::get("storage");
  const SegmentRecovery& tail = recovery_.tail;
  if (tail.truncated_bytes > 0) {
    logger->warn("truncated torn or corrupt tail dir={} offset={} bytes={} reason=\"{}\"",
                 dir_.string(), tail.truncated_at_offset, tail.truncated_bytes, tail.reason);
  }
  logger->info(
      "opened log dir={} segments={} start={} end={} clean_shutdown={} scanned={} "
      "indexes_rebuilt={}",
      dir_.string(), segments_.size(), start, end, recovery_.clean_shutdown, tail.scanned,
      recovery_.indexes_rebuilt);
  return Status::ok();
}

LogConfig PartitionLog::config() const {
  std::lock_guard lock(config_mu_);
  return config_;
}

void PartitionLog::set_config(const LogConfig& config) {
  std::lock_guard lock(config_mu_);
  config_ = config;
}

std::shared_ptr<Segment> PartitionLog::active_segment() const {
  std::shared_lock lock(segments_mu_);
  return segments_.rbegin()->second;
}

std::shared_ptr<Segment> PartitionLog::segment_for(int64_t offset) const {
  std::shared_lock lock(segments_mu_);
  auto it = segments_.upper_bound(offset);
  if (it == segments_.begin()) return nullptr;
  return std::prev(it)->second;
}

std::shared_ptr<Segment> PartitionLog::segment_after(int64_t base_offset) const {
  std::shared_lock lock(segments_mu_);
  auto it = segments_.upper_bound(base_offset);
  return it == segments_.end() ? nullptr : it->second;
}

uint64_t PartitionLog::size_bytes() const {
  std::shared_lock lock(segments_mu_);
  uint64_t total = 0;
  for (const auto& [base, segment] : segments_) total += segment->size();
  return total;
}

size_t PartitionLog::segment_count() const {
  std::shared_lock lock(segments_mu_);
  return segments_.size();
}

Status PartitionLog::check_writable() const {
  if (closed_) return Status::failed_precondition("log " + dir_.string() + " is closed");
  if (offline_.load()) {
    return Status::failed_precondition("log " + dir_.string() +
                                       " is offline after a failed fsync; reopen to recover");
  }
  return Status::ok();
}

bool PartitionLog::should_roll(uint64_t incoming_bytes, int64_t incoming_last_offset,
                               int64_t incoming_timestamp) const {
  const auto active = active_segment();
  if (active->empty()) return false;
  const LogConfig config = this->config();
  const bool full = active->size() + incoming_bytes > static_cast<uint64_t>(config.segment_bytes);
  // Age is measured in record time, as Kafka does: the incoming batch's timestamp against
  // the segment's first batch, so that skew between client and broker clocks cannot roll
  // a segment per append.
  const bool old = active->first_batch_timestamp() >= 0 &&
                   incoming_timestamp - active->first_batch_timestamp() >= config.segment_ms;
  // Index entries hold offsets relative to the segment base in 32 bits.
  const bool offsets_overflow =
      incoming_last_offset - active->base_offset() > std::numeric_limits<int32_t>::max();
  return full || old || offsets_overflow;
}

Status PartitionLog::roll() {
  const auto old_segment = active_segment();
  // Everything before the newest segment is durable: that is what lets open() trust it.
  SLUICE_RETURN_IF_ERROR(old_segment->release_preallocation());
  SLUICE_RETURN_IF_ERROR(old_segment->sync());
  SLUICE_RETURN_IF_ERROR(old_segment->sync_indexes());
  const int64_t base = next_offset_.load();
  SLUICE_ASSIGN_OR_RETURN(auto created, Segment::create(fs_, dir_, base));
  SLUICE_RETURN_IF_ERROR(fs_.sync_directory(dir_));
  std::unique_lock lock(segments_mu_);
  segments_.emplace(base, std::shared_ptr<Segment>(std::move(created)));
  return Status::ok();
}

Result<PendingAppend> PartitionLog::append_async(std::span<char> data, int32_t leader_epoch) {
  const LogConfig config = this->config();
  // Checking CRCs is the costly part of an append; do it before taking the writer lock.
  SLUICE_ASSIGN_OR_RETURN(auto batches, split_batches(std::string_view(data.data(), data.size()),
                                                      config.max_batch_bytes));
  SLUICE_ASSIGN_OR_RETURN(AppendResult result, write_batches(data, batches, leader_epoch, config));
  // A duplicate waits too: its original may still be waiting for its own fdatasync.
  return PendingAppend{result, ticket_for(result.last_offset + 1, config)};
}

Result<AppendResult> PartitionLog::append(std::span<char> data, int32_t leader_epoch) {
  SLUICE_ASSIGN_OR_RETURN(PendingAppend pending, append_async(data, leader_epoch));
  SLUICE_RETURN_IF_ERROR(pending.durable.wait());
  return pending.result;
}

DurabilityTicket PartitionLog::ticket_for(int64_t offset, const LogConfig& config) {
  // Under fsync=interval a LogFlusher syncs in the background and under never the kernel
  // does: an append is acknowledged once written.
  if (config.fsync.kind != FsyncPolicy::Kind::kAlways) return DurabilityTicket();
  // Whether or not anyone waits (acks=0 does not), the bytes must reach the disk for the
  // high watermark to pass them.
  {
    std::lock_guard lock(sync_mu_);
    if (sync_failure_.is_ok() && durable_offset_.load() < offset) schedule_sync_locked();
  }
  return DurabilityTicket(this, offset);
}

void PartitionLog::acknowledge_written(const LogConfig& config) {
  if (config.fsync.kind != FsyncPolicy::Kind::kAlways) follow_high_watermark(log_end_offset());
}

Result<PendingAppend> PartitionLog::append_replicated(std::span<const char> data) {
  const LogConfig config = this->config();
  const std::string_view bytes(data.data(), data.size());
  // A leader may have accepted batches up to its own max.message.bytes; a follower takes
  // whatever the leader wrote.
  SLUICE_ASSIGN_OR_RETURN(auto batches, split_batches(bytes, std::numeric_limits<int32_t>::max()));
  if (batches.empty()) return Status::invalid_argument("no batches to append");
  const AppendInFlight in_flight(appends_in_flight_);
  std::lock_guard lock(append_mu_);
  SLUICE_RETURN_IF_ERROR(check_writable());
  int64_t expected = next_offset_.load();
  int32_t epoch = latest_epoch();
  std::vector<BatchInfo> infos;
  std::vector<EpochEntry> new_epochs;
  int64_t incoming_timestamp = -1;
  for (const auto& batch : batches) {
    if (batch.base_offset() != expected) {
      return Status::invalid_argument("replicated batch at offset " +
                                      std::to_string(batch.base_offset()) + " does not follow " +
                                      std::to_string(expected - 1) + " in " + dir_.string());
    }
    if (batch.leader_epoch() < epoch) {
      return Status::invalid_argument(
          "replicated batch at offset " + std::to_string(batch.base_offset()) + " has epoch " +
          std::to_string(batch.leader_epoch()) + ", older than " + std::to_string(epoch));
    }
    if (batch.leader_epoch() > epoch) {
      epoch = batch.leader_epoch();
      new_epochs.push_back({epoch, batch.base_offset()});
    }
    infos.push_back(
        {batch.base_offset(), batch.last_offset(), batch.max_timestamp(), batch.size()});
    incoming_timestamp = std::max(incoming_timestamp, batch.max_timestamp());
    expected = batch.last_offset() + 1;
  }
  // The cache first: a crash between the two leaves an entry at the log end, which is true.
  for (const EpochEntry& entry : new_epochs) {
    SLUICE_RETURN_IF_ERROR(epochs_.assign(entry.epoch, entry.start_offset));
  }
  SLUICE_RETURN_IF_ERROR(write_locked(bytes, infos, incoming_timestamp));
  for (const auto& batch : batches) {
    producers_.record(
        batch.producer_id(), batch.producer_epoch(),
        {batch.base_sequence(), last_sequence_of(batch.base_sequence(), batch.last_offset_delta()),
         batch.base_offset(), batch.last_offset()});
  }
  acknowledge_written(config);
  AppendResult result;
  result.base_offset = batches.front().base_offset();
  result.last_offset = expected - 1;
  result.log_start_offset = log_start_offset();
  return PendingAppend{result, ticket_for(expected, config)};
}

Result<std::optional<ProducerBatch>> PartitionLog::check_producer_sequences(
    const std::vector<RecordBatchView>& batches) const {
  std::optional<ProducerBatch> repeated;
  int idempotent = 0;
  for (const auto& batch : batches) {
    if (batch.producer_id() < 0) continue;
    if (++idempotent > 1) {
      return Status::invalid_argument("at most one idempotent batch per append");
    }
    const int32_t first = batch.base_sequence();
    const int32_t last = last_sequence_of(first, batch.last_offset_delta());
    const std::string who = "producer " + std::to_string(batch.producer_id()) + " epoch " +
                            std::to_string(batch.producer_epoch()) + " sequence " +
                            std::to_string(first);
    ProducerBatch original;
    switch (producers_.check(batch.producer_id(), batch.producer_epoch(), first, last, &original)) {
      case SequenceVerdict::kAppend:
        break;
      case SequenceVerdict::kDuplicate:
        if (batches.size() > 1) {
          return Status::out_of_order_sequence(who + ": a retried batch among others");
        }
        repeated = original;
        break;
      case SequenceVerdict::kOutOfOrder:
        return Status::out_of_order_sequence(who + " does not follow the last one written");
      case SequenceVerdict::kFenced:
        return Status::producer_fenced(who + " is older than the producer's current epoch");
      case SequenceVerdict::kUnknownProducer:
        return Status::unknown_producer(who + ": no state for this producer");
    }
  }
  return repeated;
}

Result<AppendResult> PartitionLog::write_batches(std::span<char> data,
                                                 const std::vector<RecordBatchView>& batches,
                                                 int32_t leader_epoch, const LogConfig& config) {
  // Counted from before the lock to after the write, so that a sync can wait for appends
  // already on their way (see run_sync).
  const AppendInFlight in_flight(appends_in_flight_);
  std::lock_guard lock(append_mu_);
  SLUICE_RETURN_IF_ERROR(check_writable());
  if (leader_epoch < latest_epoch()) {
    return Status::failed_precondition("append in leader epoch " + std::to_string(leader_epoch) +
                                       " to " + dir_.string() + ", which is at epoch " +
                                       std::to_string(latest_epoch()));
  }
  AppendResult result;
  result.log_start_offset = log_start_offset();
  SLUICE_ASSIGN_OR_RETURN(auto repeated, check_producer_sequences(batches));
  if (repeated) {
    result.base_offset = repeated->base_offset;
    result.last_offset = repeated->last_offset;
    result.duplicate = true;
    return result;
  }

  const int64_t now = clock_();
  int64_t incoming_timestamp = now;
  if (config.timestamp_type == TimestampType::kCreateTime) {
    incoming_timestamp = -1;
    for (const auto& batch : batches) {
      incoming_timestamp = std::max(incoming_timestamp, batch.max_timestamp());
    }
  }
  int64_t next = next_offset_.load();
  // The first batch of a new epoch starts its entry (persisted before the batch is written).
  SLUICE_RETURN_IF_ERROR(epochs_.assign(leader_epoch, next));
  result.base_offset = next;
  std::vector<BatchInfo> infos;
  infos.reserve(batches.size());
  for (const auto& batch : batches) {
    char* bytes = data.data() + (batch.bytes().data() - data.data());
    stamp_base_offset(bytes, next);
    stamp_leader_epoch(bytes, leader_epoch);
    if (config.timestamp_type == TimestampType::kLogAppendTime) {
      stamp_log_append_time(bytes, batch.size(), now);
      result.log_append_time = now;
    }
    infos.push_back({next, next + batch.last_offset_delta(), batch.max_timestamp(), batch.size()});
    next += batch.last_offset_delta() + int64_t{1};
  }
  SLUICE_RETURN_IF_ERROR(
      write_locked(std::string_view(data.data(), data.size()), infos, incoming_timestamp));
  for (size_t i = 0; i < batches.size(); ++i) {
    const auto& batch = batches[i];
    producers_.record(
        batch.producer_id(), batch.producer_epoch(),
        {batch.base_sequence(), last_sequence_of(batch.base_sequence(), batch.last_offset_delta()),
         infos[i].base_offset, infos[i].last_offset});
  }
  acknowledge_written(config);
  result.last_offset = next - 1;
  return result;
}

Status PartitionLog::write_locked(std::string_view bytes, const std::vector<BatchInfo>& infos,
                                  int64_t incoming_timestamp) {
  if (should_roll(bytes.size(), infos.back().last_offset, incoming_timestamp)) {
    SLUICE_RETURN_IF_ERROR(roll());
  }
  SLUICE_RETURN_IF_ERROR(active_segment()->append(bytes, infos));
  next_offset_.store(infos.back().last_offset + 1, std::memory_order_release);
  return Status::ok();
}

Status PartitionLog::rebuild_producer_state(std::vector<EpochEntry>* epochs) {
  producers_.clear();
  std::vector<std::shared_ptr<Segment>> segments;
  {
    std::shared_lock lock(segments_mu_);
    for (const auto& [base, segment] : segments_) segments.push_back(segment);
  }
  for (const auto& segment : segments) {
    SLUICE_RETURN_IF_ERROR(segment->for_each_batch([&](const BatchLocation& batch) {
      producers_.record(
          batch.producer_id, batch.producer_epoch,
          {batch.base_sequence,
           last_sequence_of(batch.base_sequence,
                            static_cast<int32_t>(batch.last_offset - batch.base_offset)),
           batch.base_offset, batch.last_offset});
      if (epochs != nullptr && batch.leader_epoch >= 0 &&
          (epochs->empty() || batch.leader_epoch > epochs->back().epoch)) {
        epochs->push_back({batch.leader_epoch, batch.base_offset});
      }
    }));
  }
  return Status::ok();
}

void DurabilityTicket::then(DurableCallback done) const {
  if (log_ == nullptr) {
    done(Status::ok());
    return;
  }
  log_->when_durable(offset_, std::move(done));
}

Status DurabilityTicket::wait() const {
  if (log_ == nullptr) return Status::ok();
  return wait_for<Status>([this](std::function<void(Status)> done) { then(std::move(done)); });
}

void PartitionLog::when_durable(int64_t offset, DurableCallback done) {
  std::unique_lock lock(sync_mu_);
  if (!sync_failure_.is_ok()) {
    Status failure = sync_failure_;
    lock.unlock();
    done(std::move(failure));
    return;
  }
  if (durable_offset_.load(std::memory_order_acquire) >= offset && !delivering_) {
    lock.unlock();
    done(Status::ok());
    return;
  }
  // While a syncer job delivers the callbacks of its fdatasync, later tickets queue behind
  // them even when already durable, so that callbacks run in offset order.
  waiters_.emplace(offset, std::move(done));
  if (!delivering_) schedule_sync_locked();
}

void PartitionLog::schedule_sync_locked() {
  // The job in flight looks at waiters_ and the log end again when it ends.
  if (sync_scheduled_) return;
  sync_scheduled_ = true;
  syncer_->submit([this] { run_sync(); });
}

void PartitionLog::run_sync() {
  // Commit delay, as in PostgreSQL's commit_siblings: appenders woken by the previous sync
  // are writing their next batch right now. Letting them finish first puts them in this
  // fdatasync instead of the next one; with a single appender nobody is in flight and
  // nobody waits.
  const auto deadline = std::chrono::steady_clock::now() + kMaxCommitDelay;
  while (appends_in_flight_.load(std::memory_order_acquire) > 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  // Read the target before the segment: a roll between the two only makes the segment
  // newer, and a roll syncs the segment it leaves.
  const int64_t target = next_offset_.load(std::memory_order_acquire);
  const auto segment = active_segment();
  const auto sync_started = std::chrono::steady_clock::now();
  Status status = segment->sync();
  fsync_latency().observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - sync_started).count());
  sync_count_.fetch_add(1, std::memory_order_relaxed);

  std::vector<DurableCallback> completed;
  Status outcome;
  {
    std::lock_guard lock(sync_mu_);
    if (status.is_ok()) {
      if (target > durable_offset_.load()) durable_offset_.store(target, std::memory_order_release);
      last_flush_ms_.store(clock_());
    } else if (sync_failure_.is_ok()) {
      // fsyncgate: after a failed fsync the kernel may drop the dirty pages and report the
      // next fsync as a success, so no later sync can be trusted. Stay offline.
      sync_failure_ =
          Status::io_error("log " + dir_.string() + " went offline: " + status.message());
      offline_.store(true);
      log::get("storage")->error("{}", sync_failure_.message());
    }
    outcome = sync_failure_;
    completed = take_completed_locked();
    delivering_ = true;
  }
  // Under interval and never the high watermark is at the log end already; this only
  // raises it under always.
  if (outcome.is_ok()) follow_high_watermark(durable_offset());
  while (true) {
    for (auto& done : completed) done(outcome);
    std::lock_guard lock(sync_mu_);
    // Tickets that arrived during the delivery and are durable already go next, in order.
    completed = take_completed_locked();
    if (!completed.empty()) continue;
    delivering_ = false;
    const bool behind = sync_failure_.is_ok() &&
                        config().fsync.kind == FsyncPolicy::Kind::kAlways &&
                        durable_offset_.load() < next_offset_.load(std::memory_order_acquire);
    if (!waiters_.empty() || behind) {
      // Appends written during this fdatasync: the next job covers them all. Queued behind
      // other logs' jobs, so that one busy log cannot starve the rest.
      syncer_->submit([this] { run_sync(); });
      return;
    }
    sync_scheduled_ = false;
    sync_idle_cv_.notify_all();
    return;
  }
}

std::vector<DurableCallback> PartitionLog::take_completed_locked() {
  std::vector<DurableCallback> completed;
  // In offset order: the callbacks of one fdatasync complete in the order of the appends.
  auto end = sync_failure_.is_ok() ? waiters_.upper_bound(durable_offset_.load()) : waiters_.end();
  for (auto it = waiters_.begin(); it != end; ++it) completed.push_back(std::move(it->second));
  waiters_.erase(waiters_.begin(), end);
  return completed;
}

Status PartitionLog::sync_to(int64_t offset) {
  return DurabilityTicket(this, offset).wait();
}

void PartitionLog::follow_high_watermark(int64_t acknowledged) {
  if (replicated_high_watermark_.load(std::memory_order_acquire)) return;
  advance_high_watermark(acknowledged);
}

void PartitionLog::set_replicated_high_watermark() {
  replicated_high_watermark_.store(true, std::memory_order_release);
}

void PartitionLog::advance_high_watermark(int64_t offset) {
  offset = std::min(offset, log_end_offset());
  int64_t current = high_watermark_.load(std::memory_order_acquire);
  while (current < offset &&
         !high_watermark_.compare_exchange_weak(current, offset, std::memory_order_acq_rel)) {
  }
  if (current < offset && high_watermark_moved_) high_watermark_moved_(offset);
}

void PartitionLog::set_high_watermark_listener(std::function<void(int64_t)> moved) {
  high_watermark_moved_ = std::move(moved);
}

Status PartitionLog::assign_epoch(int32_t epoch, int64_t start_offset) {
  std::lock_guard lock(append_mu_);
  SLUICE_RETURN_IF_ERROR(check_writable());
  if (epoch < latest_epoch()) {
    return Status::failed_precondition("epoch " + std::to_string(epoch) + " is older than " +
                                       std::to_string(latest_epoch()));
  }
  return epochs_.assign(epoch, start_offset);
}

EpochEndOffset PartitionLog::end_offset_for_epoch(int32_t epoch) const {
  return epochs_.end_offset_for(epoch, log_end_offset());
}

int32_t PartitionLog::latest_epoch() const {
  const auto latest = epochs_.latest();
  return latest ? latest->epoch : EpochEndOffset::kUndefinedEpoch;
}

Result<EpochTruncation> PartitionLog::truncate_to_epoch_end(int32_t leader_epoch,
                                                            int64_t leader_end_offset) {
  if (leader_epoch < 0 || leader_end_offset < 0) {
    return Status::invalid_argument("truncation by an undefined epoch; use the high watermark");
  }
  const EpochEndOffset local = end_offset_for_epoch(leader_epoch);
  EpochTruncation truncation;
  if (local.epoch == EpochEndOffset::kUndefinedEpoch) {
    // This log knows no epoch at or below the leader's: nothing here can be trusted beyond
    // what the leader has.
    truncation.end_offset = std::min(leader_end_offset, log_end_offset());
  } else if (local.epoch == leader_epoch) {
    truncation.end_offset = std::min(leader_end_offset, local.end_offset);
  } else {
    // The leader's epoch is unknown here: cut back to where this log's older epoch ends and
    // ask again with that epoch.
    truncation.end_offset = std::min(leader_end_offset, local.end_offset);
    truncation.complete = false;
  }
  SLUICE_RETURN_IF_ERROR(truncate_to(truncation.end_offset));
  truncation.end_offset = log_end_offset();
  return truncation;
}

Status PartitionLog::flush() {
  return sync_to(next_offset_.load());
}

Status PartitionLog::flush_if_due() {
  const LogConfig config = this->config();
  if (config.fsync.kind != FsyncPolicy::Kind::kInterval) return Status::ok();
  if (clock_() - last_flush_ms_.load() < config.fsync.interval_ms) return Status::ok();
  return flush();
}

Status PartitionLog::close() {
  std::lock_guard lock(append_mu_);
  if (closed_) return Status::ok();
  closed_ = true;
  if (offline_.load()) return Status::ok();    // no marker: the next open must scan
  if (segments_.empty()) return Status::ok();  // open() failed before the first segment
  SLUICE_RETURN_IF_ERROR(active_segment()->release_preallocation());
  SLUICE_RETURN_IF_ERROR(flush());
  SLUICE_RETURN_IF_ERROR(active_segment()->sync_indexes());
  return write_file_atomically(fs_, dir_ / kCleanShutdownFile, "");
}

Result<ReadResult> PartitionLog::read(int64_t offset, const ReadOptions& options) const {
  ReadResult result;
  result.log_end_offset = log_end_offset();
  result.log_start_offset = log_start_offset();
  if (offset < result.log_start_offset || offset > result.log_end_offset) {
    return Status::out_of_range("offset " + std::to_string(offset) + " is outside the log [" +
                                std::to_string(result.log_start_offset) + ", " +
                                std::to_string(result.log_end_offset) + ")");
  }
  if (offset == result.log_end_offset) return result;
  for (auto segment = segment_for(offset); segment;
       segment = segment_after(segment->base_offset())) {
    const uint64_t end_position = segment->size();
    SLUICE_ASSIGN_OR_RETURN(auto first, segment->locate(offset, end_position));
    if (!first) continue;  // everything here is below `offset`: try the next segment
    const bool too_big = first->size > static_cast<uint64_t>(options.max_bytes);
    if (first->base_offset >= options.max_offset || (too_big && !options.min_one_batch)) {
      return result;
    }
    SLUICE_ASSIGN_OR_RETURN(BatchSpan span, segment->extent(*first, end_position, options.max_bytes,
                                                            options.max_offset));
    result.segment = segment;
    result.position = first->position;
    result.size = span.size;
    result.first_offset = first->base_offset;
    result.last_offset = span.last_offset;
    return result;
  }
  return result;
}

Result<std::optional<TimestampedOffset>> PartitionLog::offset_for_timestamp(
    int64_t timestamp) const {
  const int64_t start = log_start_offset();
  for (auto segment = segment_for(start); segment;
       segment = segment_after(segment->base_offset())) {
    SLUICE_ASSIGN_OR_RETURN(auto found, segment->offset_for_timestamp(timestamp));
    if (!found) continue;
    // A batch straddling the log start may hold the record; never point below the start.
    found->offset = std::max(found->offset, start);
    return found;
  }
  return std::optional<TimestampedOffset>();
}

Status PartitionLog::persist_log_start_offset(int64_t offset) {
  return write_file_atomically(fs_, dir_ / kLogStartOffsetFile, std::to_string(offset));
}

Status PartitionLog::remove_oldest_segment() {
  std::shared_ptr<Segment> oldest;
  {
    std::unique_lock lock(segments_mu_);
    if (segments_.size() < 2)
      return Status::failed_precondition("cannot remove the active segment");
    oldest = segments_.begin()->second;
    segments_.erase(segments_.begin());
    const int64_t first_base = segments_.begin()->second->base_offset();
    if (log_start_offset_.load() < first_base) log_start_offset_.store(first_base);
  }
  return oldest->remove_files();
}

Result<int> PartitionLog::enforce_retention() {
  std::lock_guard lock(append_mu_);
  SLUICE_RETURN_IF_ERROR(check_writable());
  const LogConfig config = this->config();
  const int64_t now = clock_();
  int removed = 0;
  while (true) {
    std::shared_ptr<Segment> oldest;
    bool is_active;
    {
      std::shared_lock segments_lock(segments_mu_);
      oldest = segments_.begin()->second;
      is_active = segments_.size() == 1;
    }
    if (oldest->empty()) break;
    const bool expired = config.retention_ms >= 0 && oldest->max_timestamp() >= 0 &&
                         now - oldest->max_timestamp() > config.retention_ms;
    const bool over_size =
        config.retention_bytes >= 0 &&
        size_bytes() - oldest->size() >= static_cast<uint64_t>(config.retention_bytes);
    const bool below_start = oldest->next_offset() <= log_start_offset();
    if (!expired && !over_size && !below_start) break;
    if (is_active) {
      // Size alone never empties the log; expiry and DeleteRecords may, after a roll.
      if (!expired && !below_start) break;
      SLUICE_RETURN_IF_ERROR(roll());
    }
    SLUICE_RETURN_IF_ERROR(remove_oldest_segment());
    ++removed;
  }
  SLUICE_RETURN_IF_ERROR(epochs_.truncate_from_start(log_start_offset()));
  if (removed > 0) {
    SLUICE_RETURN_IF_ERROR(fs_.sync_directory(dir_));
    log::get("storage")->info("retention removed segments dir={} count={} start={}", dir_.string(),
                              removed, log_start_offset());
  }
  return removed;
}

Status PartitionLog::delete_records(int64_t offset) {
  {
    std::lock_guard lock(append_mu_);
    SLUICE_RETURN_IF_ERROR(check_writable());
    if (offset > log_end_offset()) {
      return Status::out_of_range("delete-records offset " + std::to_string(offset) +
                                  " is past the log end " + std::to_string(log_end_offset()));
    }
    if (offset <= log_start_offset()) return Status::ok();
    // Durable first: a crash must not bring deleted records back.
    SLUICE_RETURN_IF_ERROR(persist_log_start_offset(offset));
    log_start_offset_.store(offset, std::memory_order_release);
  }
  return enforce_retention().status();
}

Status PartitionLog::truncate_to(int64_t offset) {
  std::lock_guard lock(append_mu_);
  SLUICE_RETURN_IF_ERROR(check_writable());
  if (offset >= log_end_offset()) return Status::ok();
  // Drop whole segments that start at or after `offset`, newest first, keeping one.
  while (true) {
    std::shared_ptr<Segment> newest;
    {
      std::unique_lock segments_lock(segments_mu_);
      newest = segments_.rbegin()->second;
      if (newest->base_offset() < offset) break;
      if (segments_.size() == 1) {
        // The only segment goes: start an empty one exactly at `offset`.
        SLUICE_RETURN_IF_ERROR(newest->remove_files());
        segments_.clear();
        SLUICE_ASSIGN_OR_RETURN(auto created, Segment::create(fs_, dir_, offset));
        segments_.emplace(offset, std::shared_ptr<Segment>(std::move(created)));
        break;
      }
      segments_.erase(std::prev(segments_.end()));
    }
    SLUICE_RETURN_IF_ERROR(newest->remove_files());
  }
  const auto active = active_segment();
  SLUICE_RETURN_IF_ERROR(active->truncate_to(offset));
  SLUICE_RETURN_IF_ERROR(active->sync());
  SLUICE_RETURN_IF_ERROR(fs_.sync_directory(dir_));
  const int64_t end = active->next_offset();
  next_offset_.store(end, std::memory_order_release);
  if (high_watermark_.load() > end) high_watermark_.store(end, std::memory_order_release);
  std::vector<DurableCallback> cut;
  {
    std::lock_guard sync_lock(sync_mu_);
    if (durable_offset_.load() > end) durable_offset_.store(end);
    // Tickets for offsets that are gone will never be honoured by these bytes.
    for (auto it = waiters_.upper_bound(end); it != waiters_.end(); ++it) {
      cut.push_back(std::move(it->second));
    }
    waiters_.erase(waiters_.upper_bound(end), waiters_.end());
  }
  for (auto& done : cut) {
    done(Status::failed_precondition("offsets at and after " + std::to_string(end) + " of " +
                                     dir_.string() + " were truncated"));
  }
  SLUICE_RETURN_IF_ERROR(epochs_.truncate_from_end(end));
  SLUICE_RETURN_IF_ERROR(rebuild_producer_state());
  if (log_start_offset() > end) {
    SLUICE_RETURN_IF_ERROR(persist_log_start_offset(end));
    log_start_offset_.store(end);
  }
  return Status::ok();
}

}  // namespace sluice::storage
