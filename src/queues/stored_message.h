// A message as the messages log stores it: one record per message, key = message id,
// value = body, timestamp = SentTimestamp, headers = the attributes:
//   "v"          visible-from time, 8 bytes big-endian ms (SentTimestamp + DelaySeconds)
//   "g" "d"      MessageGroupId, MessageDeduplicationId (FIFO)
//   "t"          AWSTraceHeader
//   "q"          DeadLetterQueueSourceArn (a message moved here from a source queue)
//   "a:<name>"   a message attribute: 1 byte kind (1 string, 2 binary), u32be length +
//                DataType, then the value bytes
// Attribute names cannot contain ':', so "a:" keys never collide with the system ones.
// SequenceNumber is not stored: it is derived from the offset (see sequence_number()).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "sqs/protocol/params.h"
#include "storage/record_batch_builder.h"
#include "storage/record_reader.h"

namespace sluice::queues {

using sqs::protocol::MessageAttributeMap;

struct StoredMessage {
  std::string message_id;
  std::string body;
  MessageAttributeMap attributes;
  int64_t sent_ms = 0;
  int64_t visible_at_ms = 0;
  std::string group_id;        // "" when none
  std::string dedup_id;        // the effective id (content-based ids included); "" when none
  std::string trace_header;    // AWSTraceHeader, "" when none
  std::string dlq_source_arn;  // DeadLetterQueueSourceArn, "" when none
};

void add_message_record(storage::RecordBatchBuilder& builder, const StoredMessage& message);

// Corruption when a header does not parse.
Result<StoredMessage> decode_message(const storage::Record& record);

// SQS's SequenceNumber: 128-bit, increasing within a group, not consecutive. The offset is
// unique and increasing in the whole queue, which is stronger; 20 digits like AWS's.
std::string sequence_number(int64_t offset);

// A random version-4 UUID, the shape of SQS message ids.
std::string new_message_id();

}  // namespace sluice::queues
