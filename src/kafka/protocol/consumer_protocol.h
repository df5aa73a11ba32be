// The consumer protocol: what Kafka consumers put in JoinGroup's protocol metadata when the
// protocol type is "consumer" (Kafka's ConsumerProtocolSubscription). The broker passes
// these bytes through untouched; it reads them only to learn which topics a group consumes
// (OffsetDelete refuses to drop offsets of a subscribed topic).
//
// Every version starts the same way, and that prefix is all this reads:
//   version int16, topics [int32 count, then int16-length strings], then fields that vary.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sluice::kafka::protocol {

// The subscribed topics; corruption when `metadata` is too short or a length is negative.
Result<std::vector<std::string>> decode_subscription_topics(std::string_view metadata);

}  // namespace sluice::kafka::protocol
