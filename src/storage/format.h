// The bytes Sluice keeps on disk, documented once.
//
// A partition log is a directory of segments. Segment N (N = its base offset, printed as 20
// zero-padded digits, as Kafka names them) is three files:
//
//   N.log        Kafka v2 record batches, back to back, exactly as clients produce and fetch
//                them; the broker stamps baseOffset and partitionLeaderEpoch (both outside
//                the CRC) and, for LogAppendTime topics, maxTimestamp (re-CRCing the batch).
//   N.index      sparse offset index: entries of {u32 offset - N, u32 file position} (big
//                endian), one per kIndexIntervalBytes of log; positions point at a batch start.
//   N.timeindex  sparse time index: entries of {i64 max timestamp so far, u32 offset - N},
//                appended alongside offset-index entries when the max timestamp grew.
//
// Index files are derived data: never fsynced on the append path, checked for sanity when a
// log opens and rebuilt from the .log file when missing or wrong.
//
// Beside the segments:
//   log-start-offset    decimal text, the first offset readers may see (retention and
//                       DeleteRecords move it); replaced atomically (write, fsync, rename).
//   .clean-shutdown     present only between a clean close and the next open; when present,
//                       open trusts the tail of the newest segment instead of scanning it.
//
// Record batch v2 header (61 bytes, big endian), from Kafka's DefaultRecordBatch:
//   0  baseOffset i64 | 8 batchLength i32 (bytes after this field) | 12 partitionLeaderEpoch
//   i32 | 16 magic i8 (=2) | 17 crc u32 (CRC-32C of bytes 21..end) | 21 attributes i16 |
//   23 lastOffsetDelta i32 | 27 baseTimestamp i64 | 35 maxTimestamp i64 | 43 producerId i64 |
//   51 producerEpoch i16 | 53 baseSequence i32 | 57 recordCount i32 | 61 records...
#pragma once

#include <cstdint>

namespace sluice::storage::format {

inline constexpr int kBaseOffsetPos = 0;
inline constexpr int kBatchLengthPos = 8;
inline constexpr int kLeaderEpochPos = 12;
inline constexpr int kMagicPos = 16;
inline constexpr int kCrcPos = 17;
inline constexpr int kAttributesPos = 21;  // the CRC covers from here to the end
inline constexpr int kLastOffsetDeltaPos = 23;
inline constexpr int kBaseTimestampPos = 27;
inline constexpr int kMaxTimestampPos = 35;
inline constexpr int kProducerIdPos = 43;
inline constexpr int kProducerEpochPos = 51;
inline constexpr int kBaseSequencePos = 53;
inline constexpr int kRecordCountPos = 57;
inline constexpr int kBatchHeaderSize = 61;

// batchLength counts the bytes after its own field: everything but baseOffset and itself.
inline constexpr int kLogOverhead = 12;
inline constexpr int kMinBatchLength = kBatchHeaderSize - kLogOverhead;

inline constexpr int8_t kMagicV2 = 2;

inline constexpr int16_t kCompressionMask = 0x07;
inline constexpr int16_t kTimestampTypeLogAppend = 0x08;
inline constexpr int16_t kTransactionalFlag = 0x10;
inline constexpr int16_t kControlFlag = 0x20;

inline constexpr int kOffsetIndexEntrySize = 8;
inline constexpr int kTimeIndexEntrySize = 12;
inline constexpr int64_t kIndexIntervalBytes = 4096;

inline constexpr int kSegmentNameDigits = 20;
inline constexpr const char* kLogSuffix = ".log";
inline constexpr const char* kOffsetIndexSuffix = ".index";
inline constexpr const char* kTimeIndexSuffix = ".timeindex";
inline constexpr const char* kLogStartOffsetFile = "log-start-offset";
inline constexpr const char* kCleanShutdownFile = ".clean-shutdown";
// The leader-epoch cache (leader_epoch_cache.h), in Kafka's leader-epoch-checkpoint format.
inline constexpr const char* kLeaderEpochFile = "leader-epoch-checkpoint";

}  // namespace sluice::storage::format
