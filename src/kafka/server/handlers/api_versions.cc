// ApiVersions: the first request of every client. An unsupported ApiVersions version is
// answered, not refused: error UNSUPPORTED_VERSION in a v0 body that still lists our
// versions, so that the client can retry with one we speak (KIP-511).
#include "kafka/protocol/messages/api_versions_request.h"
#include "kafka/protocol/messages/api_versions_response.h"
#include "kafka/server/broker_context.h"
#include "kafka/server/supported_apis.h"

namespace sluice::kafka::server {

asio::awaitable<HandlerResult> handle_api_versions(BrokerContext&, Request& request) {
  protocol::ApiVersionsResponse response;
  for (const auto& api : supported_apis()) {
    response.api_keys.push_back({static_cast<int16_t>(api.key), api.min_version, api.max_version});
  }
  const auto range = *supported_api(static_cast<int16_t>(protocol::ApiKey::kApiVersions));
  int16_t version = request.header.api_version;
  if (version < range.min_version || version > range.max_version) {
    response.error_code = static_cast<int16_t>(protocol::ErrorCode::kUnsupportedVersion);
    co_return std::optional<std::string>(encode_body(response, 0));
  }
  // The body carries only client software name and version (v3+); a body we cannot parse
  // is answered like Kafka does, with INVALID_REQUEST.
  if (!decode_body<protocol::ApiVersionsRequest>(request).is_ok()) {
    response.error_code = static_cast<int16_t>(protocol::ErrorCode::kInvalidRequest);
  }
  co_return std::optional<std::string>(encode_body(response, version));
}

}  // namespace sluice::kafka::server
