// The input checks SQS documents, as pure functions: each returns OK or the SQS error a
// client would get from AWS (see errors.h). Limits are from the SQS Developer Guide and
// notes/sqs-compat.md section 4. Checks that need queue state (a receipt handle's age, a
// visibility timeout beyond the time left) belong to the service.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sqs/protocol/params.h"

namespace sluice::sqs::protocol {

inline constexpr size_t kMaxQueueNameLength = 80;
inline constexpr size_t kMaxBatchEntries = 10;
inline constexpr size_t kMaxBatchEntryIdLength = 80;
inline constexpr size_t kMaxMessageAttributes = 10;
inline constexpr size_t kMaxMessageAttributeNameLength = 256;
inline constexpr size_t kMaxMessageAttributeTypeLength = 256;
inline constexpr size_t kMaxMessageSizeLimit = 1048576;  // MaximumMessageSize and batch payload

// 1-80 characters of [A-Za-z0-9_-]; a FIFO queue's name ends in ".fifo" (counted in the 80)
// and a standard queue's cannot. InvalidParameterValue otherwise, worded as SQS words it (one
// text for standard queues, another for FIFO queues).
Status validate_queue_name(std::string_view name, bool fifo);

// Valid UTF-8 of the characters #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF.
bool is_allowed_message_text(std::string_view text);

// A non-empty body of allowed characters: MissingParameter when empty, else
// InvalidMessageContents.
Status validate_message_body(std::string_view body);

// The bytes a message counts against MaximumMessageSize: the body plus each attribute's name,
// data type and value.
size_t message_size(std::string_view body, const MessageAttributeMap& attributes);

// At most 10 attributes; names of <= 256 characters of [A-Za-z0-9_.-], not starting with
// "AWS." or "Amazon." (any case), without leading, trailing or doubled dots; DataType String,
// Number or Binary, optionally followed by ".<custom>"; a String/Number carries a non-empty
// StringValue of allowed characters (a Number's a decimal number), a Binary a BinaryValue.
// InvalidParameterValue otherwise.
Status validate_message_attributes(const MessageAttributeMap& attributes);

// Only AWSTraceHeader, a String. InvalidParameterValue otherwise.
Status validate_message_system_attributes(const MessageAttributeMap& attributes);

// 1-10 entries (EmptyBatchRequest, TooManyEntriesInBatchRequest), each Id 1-80 characters of
// [A-Za-z0-9_-] (InvalidBatchEntryId), all distinct (BatchEntryIdsNotDistinct). `entry_name`
// is the model's entry shape ("SendMessageBatchRequestEntry"), which SQS names in the
// EmptyBatchRequest text.
Status validate_batch_entries(std::span<const Params> entries, std::string_view entry_name);

// `value` of parameter `name` within [min, max]: InvalidParameterValue otherwise.
Status validate_range(std::string_view name, int64_t value, int64_t min, int64_t max);

// The longest DelaySeconds any queue accepts: 14 days, the longest MessageRetentionPeriod.
// SQS's own limit is 900; a queue allows more only with SluiceMaxDelaySeconds set, and the
// queue (queues::Queue) applies its own limit.
inline constexpr int64_t kMaxLongDelaySeconds = 1209600;

// ReceiveMessage's MaxNumberOfMessages 1-10, VisibilityTimeout 0-43200, WaitTimeSeconds 0-20;
// SendMessage's DelaySeconds 0-kMaxLongDelaySeconds (also per batch entry; the queue narrows
// it to 900 unless it has SluiceMaxDelaySeconds). Absent values pass.
Status validate_receive_message(const Params& request);
Status validate_delay_seconds(const Params& request_or_entry);

// One settable queue attribute: InvalidAttributeName for a name that is unknown, read-only
// (QueueArn, Approximate*, timestamps) or FIFO-only on a standard queue; InvalidAttributeValue
// for a value outside the attribute's range or format (RedrivePolicy and RedriveAllowPolicy
// are JSON documents).
Status validate_queue_attribute(std::string_view name, std::string_view value, bool fifo);

// Policy and RedrivePolicy: SetQueueAttributes (or CreateQueue) with an empty value removes
// the attribute instead of setting it, as SQS does.
bool is_removed_when_empty(std::string_view name);

// Every attribute, then the documented combination: FifoThroughputLimit perMessageGroupId
// needs DeduplicationScope messageGroup when both are given.
Status validate_queue_attributes(const StringMap& attributes, bool fifo);

// GetQueueAttributes names: "All" or a QueueAttributeName of the model (InvalidAttributeName).
Status validate_attribute_names(const std::vector<std::string>& names);

}  // namespace sluice::sqs::protocol
