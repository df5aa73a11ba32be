// A queue's settable attributes (what CreateQueue and SetQueueAttributes accept), with SQS's
// documented defaults for those never set. Values are validated by
// sqs/protocol/validation.h before they get here; this only reads them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sqs/protocol/params.h"

namespace sluice::queues {

using sqs::protocol::StringMap;

struct RedrivePolicy {
  std::string dead_letter_target_arn;
  int64_t max_receive_count = 0;

  // {"deadLetterTargetArn":"...","maxReceiveCount":5}: how GetQueueAttributes reports it,
  // the count a number even when it was set as a string (CloudFormation sends "5").
  std::string to_json() const;
};

class QueueAttributes {
 public:
  QueueAttributes() = default;
  // Empty Policy and RedrivePolicy values are dropped (validation.h: is_removed_when_empty).
  explicit QueueAttributes(const StringMap& set) { this->set(set); }

  // The attributes explicitly set, as given (persisted in queue.json).
  const StringMap& set_values() const { return set_; }
  // Sets each value; an empty Policy or RedrivePolicy removes that attribute.
  void set(const StringMap& values);

  bool fifo() const { return value("FifoQueue") == "true"; }
  bool content_based_deduplication() const { return value("ContentBasedDeduplication") == "true"; }
  // DeduplicationScope=messageGroup: ids are unique per group rather than per queue.
  bool dedup_per_group() const { return value("DeduplicationScope") == "messageGroup"; }
  int64_t delay_seconds() const { return integer("DelaySeconds"); }
  int64_t maximum_message_size() const { return integer("MaximumMessageSize"); }
  int64_t retention_seconds() const { return integer("MessageRetentionPeriod"); }
  int64_t visibility_timeout_seconds() const { return integer("VisibilityTimeout"); }
  // The largest DelaySeconds a message may have: SQS's 900, or with SluiceMaxDelaySeconds
  // set (a Sluice extension), min(SluiceMaxDelaySeconds, MessageRetentionPeriod).
  int64_t max_delay_seconds() const;
  std::optional<RedrivePolicy> redrive_policy() const;

  // The value GetQueueAttributes reports: the set value, else the default for this queue
  // type; "" for an attribute that has neither.
  std::string value(const std::string& name) const;
  // Every settable attribute with a value, set or default.
  StringMap all() const;

 private:
  int64_t integer(const std::string& name) const;

  StringMap set_;
};

}  // namespace sluice::queues
