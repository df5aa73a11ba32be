// The classic consumer-group APIs: JoinGroup, SyncGroup, Heartbeat, LeaveGroup, ListGroups
// and DescribeGroups, translated to and from the GroupCoordinator service.
#include "kafka/protocol/messages/describe_groups_request.h"
#include "kafka/protocol/messages/describe_groups_response.h"
#include "kafka/protocol/messages/heartbeat_request.h"
#include "kafka/protocol/messages/heartbeat_response.h"
#include "kafka/protocol/messages/join_group_request.h"
#include "kafka/protocol/messages/join_group_response.h"
#include "kafka/protocol/messages/leave_group_request.h"
#include "kafka/protocol/messages/leave_group_response.h"
#include "kafka/protocol/messages/list_groups_request.h"
#include "kafka/protocol/messages/list_groups_response.h"
#include "kafka/protocol/messages/sync_group_request.h"
#include "kafka/protocol/messages/sync_group_response.h"
#include "kafka/server/broker_context.h"

namespace sluice::kafka::server {

namespace {

// JoinGroup v4 is the first whose clients expect MEMBER_ID_REQUIRED (KIP-394); older ones
// (kafka-python sends v2) cannot handle it.
constexpr int16_t kFirstMemberIdRequiredVersion = 4;
// LeaveGroup v3 names the members leaving (batch leave); older versions carry one id.
constexpr int16_t kFirstBatchLeaveVersion = 3;

}  // namespace

asio::awaitable<HandlerResult> handle_join_group(BrokerContext& context, Request& request) {
  auto decoded = decode_body<protocol::JoinGroupRequest>(request);
  if (!decoded.is_ok()) co_return decoded.status();
  const auto& body = *decoded;
  const int16_t version = request.header.api_version;
  if (!coordinates_group(context, body.group_id)) {
    protocol::JoinGroupResponse response;
    response.error_code = static_cast<int16_t>(protocol::ErrorCode::kNotCoordinator);
    co_return std::optional<std::string>(encode_body(response, version));
  }

  groups::JoinRequest join;
  join.group_id = body.group_id;
  join.member_id = body.member_id;
  join.group_instance_id = body.group_instance_id;
  join.protocol_type = body.protocol_type;
  for (const auto& protocol : body.protocols)
    join.protocols.push_back({protocol.name, protocol.metadata});
  join.session_timeout_ms = body.session_timeout_ms;
  // v0 has no rebalance timeout: Kafka uses the session timeout for both.
  join.rebalance_timeout_ms =
      body.rebalance_timeout_ms < 0 ? body.session_timeout_ms : body.rebalance_timeout_ms;
  join.client_id = request.header.client_id.value_or("");
  join.client_host = request.client_address;
  join.require_known_member_id = version >= kFirstMemberIdRequiredVersion;

  // Named, not a temporary inside the co_await: GCC 12 destroys such temporaries twice.
  auto& coordinator = context.groups;
  std::function<void(std::function<void(groups::JoinResult)>)> start =
      [&coordinator, join](std::function<void(groups::JoinResult)> done) {
        coordinator.join(join, monotonic_ms(), std::move(done));
      };
  const groups::JoinResult result = co_await await_callback<groups::JoinResult>(std::move(start));

  protocol::JoinGroupResponse response;
  response.error_code = wire_error_code(result.error);
  response.generation_id = result.generation;
  response.protocol_type = result.protocol_type;
  response.protocol_name = result.protocol_name;
  response.leader = result.leader_id;
  response.member_id = result.member_id;
  for (const auto& member : result.members) {
    response.members.push_back({member.member_id, member.group_instance_id, member.metadata});
  }
  co_return std::optional<std::string>(encode_body(response, version));
}

asio::awaitable<HandlerResult> handle_sync_group(BrokerContext& context, Request& request) {
  auto decoded = decode_body<protocol::SyncGroupRequest>(request);
  if (!decoded.is_ok()) co_return decoded.status();
  const auto& body = *decoded;
  if (!coordinates_group(context, body.group_id)) {
    protocol::SyncGroupResponse response;
    response.error_code = static_cast<int16_t>(protocol::ErrorCode::kNotCoordinator);
    co_return std::optional<std::string>(encode_body(response, request.header.api_version));
  }
  groups::SyncRequest sync;
  sync.group_id = body.group_id;
  sync.generation = body.generation_id;
  sync.member_id = body.member_id;
  sync.group_instance_id = body.group_instance_id;
  for (const auto& assignment : body.assignments) {
    sync.assignments[assignment.member_id] = assignment.assignment;
  }
  auto& coordinator = context.groups;
  std::function<void(std::function<void(groups::SyncResult)>)> start =
      [&coordinator, sync](std::function<void(groups::SyncResult)> done) {
        coordinator.sync(sync, monotonic_ms(), std::move(done));
      };
  const groups::SyncResult result = co_await await_callback<groups::SyncResult>(std::move(start));

  protocol::SyncGroupResponse response;
  response.error_code = wire_error_code(result.error);
  response.protocol_type = result.protocol_type;
  response.protocol_name = result.protocol_name;
  response.assignment = result.assignment;
  co_return std::optional<std::string>(encode_body(response, request.header.api_version));
}

asio::awaitable<HandlerResult> handle_heartbeat(BrokerContext& context, Request& request) {
  auto decoded = decode_body<protocol::HeartbeatRequest>(request);
  if (!decoded.is_ok()) co_return decoded.status();
  protocol::HeartbeatResponse response;
  response.error_code = coordinates_group(context, decoded->group_id)
                            ? wire_error_code(context.groups.heartbeat(
                                  decoded->group_id, decoded->member_id, decoded->group_instance_id,
                                  decoded->generation_id, monotonic_ms()))
                            : static_cast<int16_t>(protocol::ErrorCode::kNotCoordinator);
  co_return std::optional<std::string>(encode_body(response, request.header.api_version));
}

asio::awaitable<HandlerResult> handle_leave_group(BrokerContext& context, Request& request) {
  auto decoded = decode_body<protocol::LeaveGroupRequest>(request);
  if (!decoded.is_ok()) co_return decoded.status();
  const int16_t version = request.header.api_version;
  std::vector<std::pair<std::string, std::optional<std::string>>> leaving;
  if (version >= kFirstBatchLeaveVersion) {
    for (const auto& member : decoded->members) {
      leaving.emplace_back(member.member_id, member.group_instance_id);
    }
  } else {
    leaving.emplace_back(decoded->member_id, std::nullopt);
  }
  const auto errors = context.groups.leave(decoded->group_id, leaving, monotonic_ms());
  protocol::LeaveGroupResponse response;
  if (version >= kFirstBatchLeaveVersion) {
    for (size_t i = 0; i < leaving.size(); ++i) {
      response.members.push_back({leaving[i].first, leaving[i].second, wire_error_code(errors[i])});
    }
  } else {
    response.error_code = wire_error_code(errors.front());
  }
  co_return std::optional<std::string>(encode_body(response, version));
}

asio::awaitable<HandlerResult> handle_list_groups(BrokerContext& context, Request& request) {
  auto decoded = decode_body<protocol::ListGroupsRequest>(request);
  if (!decoded.is_ok()) co_return decoded.status();
  protocol::ListGroupsResponse response;
  for (const auto& group : context.groups.list_groups()) {
    protocol::ListGroupsResponse::ListedGroup listed;
    listed.group_id = group.group_id;
    listed.protocol_type = group.protocol_type;
    listed.group_state = group.state;
    response.groups.push_back(std::move(listed));
  }
  co_return std::optional<std::string>(encode_body(response, request.header.api_version));
}

asio::awaitable<HandlerResult> handle_describe_groups(BrokerContext& context, Request& request) {
  auto decoded = decode_body<protocol::DescribeGroupsRequest>(request);
  if (!decoded.is_ok()) co_return decoded.status();
  protocol::DescribeGroupsResponse response;
  for (const auto& group_id : decoded->groups) {
    auto& described = response.groups.emplace_back();
    described.group_id = group_id;
    const auto group = context.groups.describe_group(group_id);
    if (!group) {
      described.group_state = "Dead";  // what Kafka answers for a group it does not know
      continue;
    }
    described.group_state = group->state;
    described.protocol_type = group->protocol_type;
    described.protocol_data = group->protocol_name;
    for (const auto& member : group->members) {
      described.members.push_back({member.member_id, member.group_instance_id, member.client_id,
                                   member.client_host, member.metadata, member.assignment});
    }
  }
  co_return std::optional<std::string>(encode_body(response, request.header.api_version));
}

}  // namespace sluice::kafka::server
