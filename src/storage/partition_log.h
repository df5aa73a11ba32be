// A partition log: the durable, ordered sequence of record batches behind a Kafka partition
// or an SQS queue. It assigns offsets, keeps segments and their indexes, applies retention
// and the fsync policy, keeps the leader-epoch cache and the high watermark, and recovers
// from crashes. It knows nothing of protocols.
//
// Three positions, none of them past the log end:
//   - log end: one past the last offset written (readable by the log's own services);
//   - durable offset: one past the last offset fdatasync'ed;
//   - high watermark: what consumers may see. On its own (a single node) it is the offset
//     acknowledged under the fsync policy: the durable offset under fsync=always, the log
//     end under interval and never. A replication layer takes it over
//     (set_replicated_high_watermark) and advances it as the in-sync replicas catch up.
//
// Appends: append_async() writes and returns the assigned offsets at once, with a
// durability ticket (durability_ticket.h); under fsync=always a LogSyncer thread runs the
// fdatasync that completes it, shared by every append written before it began (group
// commit). No appending thread waits for the disk.
//
// Concurrency: appends, truncate_to, delete_records, enforce_retention and close are
// serialised internally (one writer at a time); read, offset_for_timestamp and the accessors
// may run on any thread at any time and only ever see whole batches.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>

#include "common/file_range.h"
#include "common/file_system.h"
#include "common/status.h"
#include "storage/durability_ticket.h"
#include "storage/fsync_policy.h"
#include "storage/leader_epoch_cache.h"
#include "storage/log_syncer.h"
#include "storage/producer_state.h"
#include "storage/record_batch.h"
#include "storage/segment.h"

namespace sluice::storage {

enum class TimestampType { kCreateTime, kLogAppendTime };

struct LogConfig {
  int64_t segment_bytes = int64_t{1} << 30;              // roll at this size (Kafka segment.bytes)
  int64_t segment_ms = int64_t{7} * 24 * 3600 * 1000;    // roll at this age, in record time
  int64_t retention_bytes = -1;                          // -1: no size limit (retention.bytes)
  int64_t retention_ms = int64_t{7} * 24 * 3600 * 1000;  // -1: keep forever (retention.ms)
  int64_t max_batch_bytes = 1048588;  // largest batch accepted (max.message.bytes)
  TimestampType timestamp_type = TimestampType::kCreateTime;
  FsyncPolicy fsync = FsyncPolicy::always();
};

// Milliseconds since the Unix epoch; injectable so tests can move time.
using Clock = std::function<int64_t()>;
int64_t system_clock_ms();

struct AppendResult {
  int64_t base_offset = 0;       // offset of the first record appended
  int64_t last_offset = 0;       // offset of the last record appended
  int64_t log_append_time = -1;  // the stamped time under LogAppendTime, else -1
  int64_t log_start_offset = 0;
  // The batch repeated an idempotent producer's batch already in the log: nothing was
  // written and the offsets are those of the original.
  bool duplicate = false;
};

// An append whose bytes are written; `durable` completes once they are durable under the
// log's fsync policy.
struct PendingAppend {
  AppendResult result;
  DurabilityTicket durable;
};

// What a follower's truncation by epoch did (truncate_to_epoch_end).
struct EpochTruncation {
  int64_t end_offset = 0;  // the log end after truncating
  // False when this log's epoch differs from the leader's: ask the leader again with the
  // epoch this log has at end_offset (KIP-279's extra round).
  bool complete = true;
};

struct ReadOptions {
  int64_t max_bytes = 1 << 20;
  // Batches whose base offset is >= max_offset are not returned (a high watermark).
  int64_t max_offset = std::numeric_limits<int64_t>::max();
  // Return the first batch even if it alone exceeds max_bytes (Kafka does this for the
  // first partition of a fetch so that a consumer can always make progress).
  bool min_one_batch = true;
};

// Whole batches from one segment: bytes [position, position + size) of its .log file.
struct ReadResult {
  std::shared_ptr<const Segment> segment;  // null when nothing was read
  uint64_t position = 0;
  uint32_t size = 0;
  int64_t log_start_offset = 0;
  int64_t log_end_offset = 0;
  // The first batch's base offset and the last batch's last offset; -1 when empty.
  int64_t first_offset = -1;
  int64_t last_offset = -1;

  bool empty() const { return size == 0; }
  // Appends the bytes to *out.
  Status append_to(std::string* out) const;
  // The bytes as a range of the segment's .log file, which the range keeps open; nullopt
  // when empty or when the FileSystem has no descriptors (then use append_to()).
  std::optional<FileRange> file_range() const;
};

struct LogRecovery {
  bool clean_shutdown = false;
  size_t segments = 0;
  size_t indexes_rebuilt = 0;
  SegmentRecovery tail;  // what the newest segment's scan found
};

// What opening many logs found, summed for one line at start-up.
struct RecoveryTally {
  int64_t logs = 0;
  int64_t fresh = 0;            // had no segment yet: created, nothing to recover
  int64_t clean = 0;            // opened after a clean close: no scan
  int64_t truncated_bytes = 0;  // cut from torn tails
  void add(const LogRecovery& recovery) {
    ++logs;
    if (recovery.segments == 0) {
      ++fresh;
    } else if (recovery.clean_shutdown) {
      ++clean;
    }
    truncated_bytes += static_cast<int64_t>(recovery.tail.truncated_bytes);
  }
  void merge(const RecoveryTally& other) {
    logs += other.logs;
    fresh += other.fresh;
    clean += other.clean;
    truncated_bytes += other.truncated_bytes;
  }
};

class PartitionLog {
 public:
  // Opens the log in `dir`, creating it if needed, and recovers from an unclean stop. Every
  // file operation goes through `fs`; `syncer` runs the fdatasyncs of fsync=always appends.
  // Both must outlive the log.
  static Result<std::unique_ptr<PartitionLog>> open(const std::filesystem::path& dir,
                                                    const LogConfig& config,
                                                    Clock clock = system_clock_ms,
                                                    FileSystem& fs = FileSystem::posix(),
                                                    LogSyncer* syncer = &LogSyncer::shared());
  ~PartitionLog();
  PartitionLog(const PartitionLog&) = delete;
  PartitionLog& operator=(const PartitionLog&) = delete;

  // The leader's append. Validates `batches` (one or more v2 batches, back to back:
  // structure, magic, CRC, size limit), stamps base offsets, `leader_epoch` and, under
  // LogAppendTime, the append time, then writes them and returns; the ticket completes once
  // they are durable. Nothing is written if any batch is bad. `batches` is modified in place
  // by the stamping. A new `leader_epoch` starts an entry in the epoch cache; an epoch
  // older than the cache's latest is FailedPrecondition (a deposed leader).
  // A batch with a producer id (an idempotent producer; at most one per call) is checked
  // against that producer's sequence: a retry of a recent batch returns the original's
  // offsets with `duplicate` set (and a ticket for the original); a gap is
  // OutOfOrderSequence, an old epoch ProducerFenced, an unknown producer not starting at 0
  // UnknownProducer.
  Result<PendingAppend> append_async(std::span<char> batches, int32_t leader_epoch);
  // append_async() and a wait for its ticket on this thread: for tests and tools. Request
  // paths use append_async and wait on the ticket without a thread.
  Result<AppendResult> append(std::span<char> batches, int32_t leader_epoch);

  // A follower's append: `batches` already carry their offsets and leader epochs (as the
  // leader wrote them) and are written unchanged. The first must start at the log end and
  // each next one right after the previous (InvalidArgument otherwise, and nothing is
  // written); epochs may not decrease, nor fall below the epoch cache's latest. New epochs
  // enter the epoch cache. The producer state follows, but sequences are not checked (the
  // leader did).
  Result<PendingAppend> append_replicated(std::span<const char> batches);

  // Calls `done` once every offset below `offset` is durable, whatever the fsync policy (see
  // DurabilityTicket::then).
  void when_durable(int64_t offset, DurableCallback done);

  // --- Leader epochs (leader_epoch_cache.h).

  // A new leader records where its epoch starts (the log end when it takes over), before it
  // appends anything in it.
  Status assign_epoch(int32_t epoch, int64_t start_offset);
  // OffsetForLeaderEpoch's answer for `epoch` from this log.
  EpochEndOffset end_offset_for_epoch(int32_t epoch) const;
  // The latest epoch with an entry, -1 when none.
  int32_t latest_epoch() const;
  std::vector<EpochEntry> epoch_entries() const { return epochs_.entries(); }
  // A follower's truncation after asking the leader for the end of `leader_epoch` (the
  // leader's answer: `leader_epoch`, `leader_end_offset`): truncates to where the two logs
  // can still agree. REQUIRES: leader_epoch is defined (>= 0); an UNDEFINED answer means
  // truncating to the high watermark instead, which the caller does with truncate_to.
  Result<EpochTruncation> truncate_to_epoch_end(int32_t leader_epoch, int64_t leader_end_offset);

  // --- The high watermark.

  int64_t high_watermark() const { return high_watermark_.load(std::memory_order_acquire); }
  // From now on only advance_high_watermark() moves the high watermark (a replication
  // layer owns it); until then it follows acknowledgement under the fsync policy.
  void set_replicated_high_watermark();
  // Raises the high watermark to `offset` (never past the log end, never down). Runs the
  // listener when it moved.
  void advance_high_watermark(int64_t offset);
  // Called (on whichever thread moved it) each time the high watermark rises: the place
  // where long polls wake. Must be quick and must not call back into the log's writer side.
  // REQUIRES: set before the log is shared between threads.
  void set_high_watermark_listener(std::function<void(int64_t)> moved);

  // Whole batches starting with the one holding `offset`. OutOfRange when offset is below
  // the log start or above the log end; empty at the log end.
  Result<ReadResult> read(int64_t offset, const ReadOptions& options) const;

  // The first record whose timestamp is >= `timestamp`; nullopt when no record is that new.
  Result<std::optional<TimestampedOffset>> offset_for_timestamp(int64_t timestamp) const;

  // Raises the log start offset to `offset` (Kafka DeleteRecords) and drops segments wholly
  // below it. OutOfRange when offset is past the log end.
  Status delete_records(int64_t offset);

  // Drops whole segments from the oldest by retention_ms, retention_bytes and the log start
  // offset. Returns how many were removed.
  Result<int> enforce_retention();

  // Removes every batch holding an offset >= `offset` (replication's truncation; a batch
  // straddling `offset` goes whole), with the epoch-cache entries starting there, and lowers
  // the durable offset and the high watermark with it. REQUIRES: no concurrent reader above
  // `offset`.
  Status truncate_to(int64_t offset);

  // Makes every appended byte durable now; blocks this thread until it is.
  Status flush();
  // Under fsync=interval, flushes if the interval has passed since the last flush. A
  // LogFlusher calls this; appends never do.
  Status flush_if_due();
  // Flushes and marks the shutdown clean so the next open skips the recovery scan. Later
  // calls other than reads fail.
  Status close();

  LogConfig config() const;
  void set_config(const LogConfig& config);

  int64_t log_start_offset() const { return log_start_offset_.load(std::memory_order_acquire); }
  // One past the last offset written.
  int64_t log_end_offset() const { return next_offset_.load(std::memory_order_acquire); }
  // One past the last offset known to be on disk.
  int64_t durable_offset() const { return durable_offset_.load(std::memory_order_acquire); }
  uint64_t size_bytes() const;
  size_t segment_count() const;
  // How many fdatasync calls this log has made for appends: with group commit, fewer than
  // the appends it made durable.
  uint64_t sync_count() const { return sync_count_.load(std::memory_order_relaxed); }
  const LogRecovery& recovery() const { return recovery_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  PartitionLog(std::filesystem::path dir, const LogConfig& config, Clock clock, FileSystem& fs,
               LogSyncer* syncer, LeaderEpochCache epochs);

  Status load(bool epochs_found);
  // Replays every batch header into producers_ (and, when `epochs` is given, the epochs
  // they were written in). REQUIRES: append_mu_ held, or no other thread has the log yet.
  Status rebuild_producer_state(std::vector<EpochEntry>* epochs = nullptr);
  // The batch among `batches` that repeats a recent idempotent batch, if any; an error for
  // a sequence gap, a fenced epoch or an unknown producer. REQUIRES: append_mu_ held.
  Result<std::optional<ProducerBatch>> check_producer_sequences(
      const std::vector<RecordBatchView>& batches) const;
  // Stamps and writes validated batches under the writer lock (or finds them repeated).
  Result<AppendResult> write_batches(std::span<char> data,
                                     const std::vector<RecordBatchView>& batches,
                                     int32_t leader_epoch, const LogConfig& config);
  // Writes `bytes` holding `infos` to the active segment (rolling first if due) and
  // publishes the new end. REQUIRES: append_mu_ held.
  Status write_locked(std::string_view bytes, const std::vector<BatchInfo>& infos,
                      int64_t incoming_timestamp);
  // The ticket for offsets below `offset` under `config`'s policy.
  DurabilityTicket ticket_for(int64_t offset, const LogConfig& config);
  // Under a policy that acknowledges on write, moves the high watermark to the log end.
  void acknowledge_written(const LogConfig& config);
  Status check_writable() const;
  bool should_roll(uint64_t incoming_bytes, int64_t incoming_last_offset,
                   int64_t incoming_timestamp) const;
  Status roll();  // REQUIRES: append_mu_ held
  // Blocks until every offset below `offset` is durable.
  Status sync_to(int64_t offset);
  // Queues run_sync on the syncer unless it is queued or running. REQUIRES: sync_mu_ held.
  void schedule_sync_locked();
  // One group commit, on a LogSyncer thread: fdatasync, then the tickets it completes.
  void run_sync();
  // Removes and returns the callbacks whose offsets are durable (all of them once the log
  // is offline), in offset order. REQUIRES: sync_mu_ held.
  std::vector<DurableCallback> take_completed_locked();
  // Follows acknowledgement, unless replication owns the high watermark.
  void follow_high_watermark(int64_t acknowledged);
  Status persist_log_start_offset(int64_t offset);
  // REQUIRES: append_mu_ held. Removes the oldest segment (never the active one).
  Status remove_oldest_segment();
  std::shared_ptr<Segment> active_segment() const;
  std::shared_ptr<Segment> segment_for(int64_t offset) const;
  std::shared_ptr<Segment> segment_after(int64_t base_offset) const;

  const std::filesystem::path dir_;
  const Clock clock_;
  FileSystem& fs_;
  LogSyncer* const syncer_;
  LogRecovery recovery_;
  LeaderEpochCache epochs_;  // written under append_mu_

  mutable std::mutex config_mu_;
  LogConfig config_;  // GUARDED_BY(config_mu_)

  std::mutex append_mu_;          // one writer at a time
  bool closed_ = false;           // GUARDED_BY(append_mu_)
  ProducerStateTable producers_;  // GUARDED_BY(append_mu_)

  mutable std::shared_mutex segments_mu_;
  std::map<int64_t, std::shared_ptr<Segment>> segments_;  // GUARDED_BY(segments_mu_)

  std::atomic<int64_t> next_offset_{0};
  std::atomic<int64_t> log_start_offset_{0};
  std::atomic<int64_t> durable_offset_{0};
  std::atomic<int64_t> high_watermark_{0};
  std::atomic<bool> replicated_high_watermark_{false};
  std::function<void(int64_t)> high_watermark_moved_;

  // Group commit: tickets wait here, by offset; one LogSyncer job at a time syncs for all.
  std::mutex sync_mu_;
  std::condition_variable sync_idle_cv_;             // signalled when no job is left
  std::multimap<int64_t, DurableCallback> waiters_;  // GUARDED_BY(sync_mu_)
  bool sync_scheduled_ = false;                      // GUARDED_BY(sync_mu_)
  bool delivering_ = false;  // GUARDED_BY(sync_mu_): a job is running completed callbacks
  Status sync_failure_;      // GUARDED_BY(sync_mu_); sticky: the log goes offline
  std::atomic<bool> offline_{false};
  std::atomic<int64_t> last_flush_ms_{0};
  std::atomic<uint64_t> sync_count_{0};
  std::atomic<int> appends_in_flight_{0};  // between entering the writer lock and leaving it
};

}  // namespace sluice::storage
