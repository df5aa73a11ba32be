// FindCoordinator: this node coordinates every consumer group. Transactions are not
// supported, so a transaction coordinator is never available.
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
  if (decoded->key_type == kGroupKey) {
    response.node_id = context.options.node_id;
    response.host = context.options.advertised_host;
    response.port = context.options.advertised_port;
    response.error_message = std::nullopt;
  } else {
    response.error_code = static_cast<int16_t>(ErrorCode::kCoordinatorNotAvailable);
    response.error_message = "transactions are not supported";
    response.node_id = -1;
    response.port = -1;
  }
  co_return std::optional<std::string>(encode_body(response, request.header.api_version));
}

}  // namespace sluice::kafka::server
