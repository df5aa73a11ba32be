// A partition log: the durable, ordered sequence of record batches behind a Kafka partition
// or an SQS queue. It assigns offsets, keeps segments and their indexes, applies retention
// and the fsync policy, and recovers from crashes. It knows nothing of protocols.
//
// Concurrency: append, truncate_to, delete_records, enforce_retention and close are
// serialised internally (one writer at a time); read, offset_for_timestamp and the accessors
// may run on any thread at any time and only ever see whole batches. With fsync=always,
// appends from several threads share fdatasync calls (group commit): an append returns once
// its own bytes are durable, and one fdatasync covers every append written before it began.
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

#include "common/file_system.h"
#include "common/status.h"
#include "storage/fsync_policy.h"
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

  bool empty() const { return size == 0; }
  // Appends the bytes to *out.
  Status append_to(std::string* out) const;
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
  // file operation goes through `fs`, which must outlive the log.
  static Result<std::unique_ptr<PartitionLog>> open(const std::filesystem::path& dir,
                                                    const LogConfig& config,
                                                    Clock clock = system_clock_ms,
                                                    FileSystem& fs = FileSystem::posix());
  ~PartitionLog();
  PartitionLog(const PartitionLog&) = delete;
  PartitionLog& operator=(const PartitionLog&) = delete;

  // Validates `batches` (one or more v2 batches, back to back: structure, magic, CRC, size
  // limit), stamps base offsets, `leader_epoch` and, under LogAppendTime, the append time,
  // then writes them. Nothing is written if any batch is bad. Under fsync=always it returns
  // only once the bytes are durable. `batches` is modified in place by the stamping.
  // A batch with a producer id (an idempotent producer; at most one per call) is checked
  // against that producer's sequence: a retry of a recent batch returns the original's
  // offsets with `duplicate` set; a gap is OutOfOrderSequence, an old epoch
  // ProducerFenced, an unknown producer not starting at 0 UnknownProducer.
  Result<AppendResult> append(std::span<char> batches, int32_t leader_epoch);

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
  // straddling `offset` goes whole). REQUIRES: no concurrent reader above `offset`.
  Status truncate_to(int64_t offset);

  // Makes every appended byte durable now.
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
  PartitionLog(std::filesystem::path dir, const LogConfig& config, Clock clock, FileSystem& fs);

  Status load();
  // Replays every batch header into producers_. REQUIRES: append_mu_ held, or no other
  // thread has the log yet.
  Status rebuild_producer_state();
  // The batch among `batches` that repeats a recent idempotent batch, if any; an error for
  // a sequence gap, a fenced epoch or an unknown producer. REQUIRES: append_mu_ held.
  Result<std::optional<ProducerBatch>> check_producer_sequences(
      const std::vector<RecordBatchView>& batches) const;
  // Stamps and writes validated batches under the writer lock (or finds them repeated).
  Result<AppendResult> write_batches(std::span<char> data,
                                     const std::vector<RecordBatchView>& batches,
                                     int32_t leader_epoch, const LogConfig& config);
  Status check_writable() const;
  bool should_roll(uint64_t incoming_bytes, int64_t incoming_last_offset,
                   int64_t incoming_timestamp) const;
  Status roll();  // REQUIRES: append_mu_ held
  // Blocks until every offset below `offset` is durable, syncing if nobody else is.
  Status sync_to(int64_t offset);
  Status persist_log_start_offset(int64_t offset);
  // REQUIRES: append_mu_ held. Removes the oldest segment (never the active one).
  Status remove_oldest_segment();
  std::shared_ptr<Segment> active_segment() const;
  std::shared_ptr<Segment> segment_for(int64_t offset) const;
  std::shared_ptr<Segment> segment_after(int64_t base_offset) const;

  const std::filesystem::path dir_;
  const Clock clock_;
  FileSystem& fs_;
  LogRecovery recovery_;

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

  // Group commit: the first waiter to find no sync in flight runs fdatasync for everyone.
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  bool sync_in_flight_ = false;  // GUARDED_BY(sync_mu_)
  Status sync_failure_;          // GUARDED_BY(sync_mu_); sticky: the log goes offline
  std::atomic<bool> offline_{false};
  std::atomic<int64_t> last_flush_ms_{0};
  std::atomic<uint64_t> sync_count_{0};
  std::atomic<int> appends_in_flight_{0};  // between entering the writer lock and leaving it
};

}  // namespace sluice::storage
