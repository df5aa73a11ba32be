// What every Kafka request handler may use: the topics service, the placement of topics
// over brokers, the pool that runs blocking storage calls. Handlers are free functions over it
// (handlers/*.cc), one file per API; broker.cc routes requests to them.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cluster/placement.h"
#include "common/asio.h"
#include "common/async.h"
#include "common/status.h"
#include "groups/group_coordinator.h"
#include "groups/offset_store.h"
#include "kafka/protocol/errors.h"
#include "kafka/protocol/wire.h"
#include "kafka/server/listener.h"
#include "topics/producer_id_allocator.h"
#include "topics/topic_manager.h"

namespace sluice::kafka::server {

struct BrokerOptions {
  bool auto_create_topics = true;
};

struct BrokerContext {
  topics::TopicManager& topics;  // this broker's logs
  // Where topics live and who serves them: brokers, leaders, topic creation (the single
  // node's, or the cluster's).
  cluster::Placement& placement;
  groups::GroupCoordinator& groups;
  groups::OffsetStore& offsets;
  topics::ProducerIdAllocator& producer_ids;
  asio::thread_pool& blocking_pool;  // disk work runs here, never on a network thread
  BrokerOptions options;
};

// Milliseconds on the monotonic clock: group session and rebalance timeouts.
int64_t monotonic_ms();

// Kafka's error code for a group coordinator outcome.
protocol::ErrorCode error_code_for(groups::GroupError error);
// The same as the int16 that responses' error_code fields hold.
inline int16_t wire_error_code(groups::GroupError error) {
  return static_cast<int16_t>(error_code_for(error));
}

// A handler without splices returns std::optional<std::string>; it converts.
using HandlerResult = Result<std::optional<ResponseBody>>;

// Kafka's error code for a storage or service Status.
protocol::ErrorCode error_code_for(const Status& status);
// Kafka's error code for a placement outcome.
protocol::ErrorCode error_code_for(cluster::PlacementErrc error);

// The partition, creating the topic first when auto-creation is on and the name is valid.
// Sets *error to the code to answer with when there is no partition.
// With allow_auto_create the creation (topic.json written and fsynced) runs on the caller's
// thread: a handler on a network thread calls auto_create_topics() first and passes false.
std::shared_ptr<topics::Partition> find_partition(BrokerContext& context, const std::string& topic,
                                                  int32_t index, bool allow_auto_create,
                                                  protocol::ErrorCode* error);

// find_partition without auto-creation, for the requests only a partition's leader serves:
// NOT_LEADER_OR_FOLLOWER when this broker holds the partition but does not lead it.
std::shared_ptr<topics::Partition> find_led_partition(BrokerContext& context,
                                                      const std::string& topic, int32_t index,
                                                      protocol::ErrorCode* error);

// Whether this broker coordinates `group` now. A client that reached another one (its
// FindCoordinator answer is stale) gets NOT_COORDINATOR and looks the coordinator up again.
bool coordinates_group(const BrokerContext& context, const std::string& group);

// Creates, on the blocking pool, every one of `names` that auto-creation may create (it is
// on, the name is valid, no such topic exists yet), and resumes on the caller's executor.
// Creating a topic writes and fsyncs its topic.json: no disk work on a network thread.
asio::awaitable<void> auto_create_topics(BrokerContext& context, std::vector<std::string> names);

// Decodes the request body as T at the request's version; an undecodable body is an error
// that closes the connection, as Kafka does.
template <typename T>
Result<T> decode_body(const Request& request) {
  T message;
  protocol::Reader reader(request.body());
  SLUICE_RETURN_IF_ERROR(message.decode(reader, request.header.api_version));
  return message;
}

template <typename T>
std::string encode_body(const T& message, int16_t version) {
  std::string out;
  protocol::Writer writer(&out);
  message.encode(writer, version);
  return out;
}

// The body with the file ranges whose stand-ins `splicer` handed out spliced in.
template <typename T>
ResponseBody encode_body(const T& message, int16_t version, protocol::RecordsSplicer& splicer) {
  std::string out;
  protocol::Writer writer(&out, &splicer);
  message.encode(writer, version);
  return ResponseBody(std::move(out), splicer.take_splices());
}

asio::awaitable<HandlerResult> handle_api_versions(BrokerContext& context, Request& request);
asio::awaitable<HandlerResult> handle_metadata(BrokerContext& context, Request& request);
asio::awaitable<HandlerResult> handle_produce(BrokerContext& context, Request& request);
asio::awaitable<HandlerResult> handle_fetch(BrokerContext& context, Request& request);
asio::awaitable<HandlerResult> handle_list_offsets(BrokerContext& context, Request& request);
asio::awaitable<HandlerResult> handle_create_topics(BrokerContext& context, Request& request);
asio::awaitable<HandlerResult> handle_delete_topics(BrokerContext& context, Request& request);
asio::awaitable<HandlerResult> handle_find_coordinator(BrokerContext& context, Request& request);
asio::awaitable<HandlerResult> handle_join_group(BrokerContext& context, Request& request);
asio::awaitable<HandlerResult> handle_sync_group(BrokerContext& context, Request& request);
asio::awaitable<HandlerResult> handle_heartbeat(BrokerContext& context, Request& request);
asio::awaitable<HandlerResult> handle_leave_group(BrokerContext& context, Request& request);
asio::awaitable<HandlerResult> handle_list_groups(BrokerContext& context, Request& request);
asio::awaitable<HandlerResult> handle_describe_groups(BrokerContext& context, Request& request);
asio::awaitable<HandlerResult> handle_offset_commit(BrokerContext& context, Request& request);
asio::awaitable<HandlerResult> handle_offset_fetch(BrokerContext& context, Request& request);
asio::awaitable<HandlerResult> handle_init_producer_id(BrokerContext& context, Request& request);
asio::awaitable<HandlerResult> handle_describe_configs(BrokerContext& context, Request& request);
asio::awaitable<HandlerResult> handle_alter_configs(BrokerContext& context, Request& request);
asio::awaitable<HandlerResult> handle_incremental_alter_configs(BrokerContext& context,
                                                                Request& request);
asio::awaitable<HandlerResult> handle_delete_groups(BrokerContext& context, Request& request);
asio::awaitable<HandlerResult> handle_offset_delete(BrokerContext& context, Request& request);
asio::awaitable<HandlerResult> handle_create_partitions(BrokerContext& context, Request& request);
asio::awaitable<HandlerResult> handle_delete_records(BrokerContext& context, Request& request);
asio::awaitable<HandlerResult> handle_offset_for_leader_epoch(BrokerContext& context,
                                                              Request& request);

}  // namespace sluice::kafka::server
