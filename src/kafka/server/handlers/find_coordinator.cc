// FindCoordinator: the placement names the broker coordinating a group (the single node
// coordinates every group). Transactions are not supported, so a transaction coordinator is
// never available.
#include "kafka/protocol/messages/find_coordinator_request.h"
#include "kafka/protocol/messages/find_coordinator_response.h"
#include "kafka/server/broker_context.h"

namespace sluice::kafka::server {

using protocol::ErrorCode;

namespace {
constexpr int8_t kGroupKey = 0;
}  // namespace

asio::awaitable<HandlerResult> handle_find_coordinator(BrokerContext& context, Request& request) {
  auto decoded = decode_body<protocol::FindCoordinatorRequest>(request);
  if (!decoded.is_ok()) co_return decoded.status();
  protocol::FindCoordinatorResponse response;
  if (decoded->key_type != kGroupKey) {
    response.error_code = static_cast<int16_t>(ErrorCode::kCoordinatorNotAvailable);
    response.error_message = "transactions are not supported";
    response.node_id = -1;
    response.port = -1;
  } else if (auto coordinator = context.placement.group_coordinator(decoded->key)) {
    response.node_id = coordinator->id;
    response.host = coordinator->host;
    response.port = coordinator->port;
    response.error_message = std::nullopt;
  } else {
    response.error_code = static_cast<int16_t>(ErrorCode::kCoordinatorNotAvailable);
    response.error_message = "no broker is available to coordinate the group";
    response.node_id = -1;
    response.port = -1;
  }
  co_return std::optional<std::string>(encode_body(response, request.header.api_version));
}

}  // namespace sluice::kafka::server
