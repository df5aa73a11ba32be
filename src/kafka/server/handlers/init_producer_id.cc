// InitProducerId: a fresh producer id, epoch 0, for an idempotent producer. Transactions
// are not supported, so a transactional id is refused.
#include "kafka/protocol/messages/init_producer_id_request.h"
#include "kafka/protocol/messages/init_producer_id_response.h"
#include "kafka/server/broker_context.h"

namespace sluice::kafka::server {

asio::awaitable<HandlerResult> handle_init_producer_id(BrokerContext& context, Request& request) {
  auto decoded = decode_body<protocol::InitProducerIdRequest>(request);
  if (!decoded.is_ok()) co_return decoded.status();
  protocol::InitProducerIdResponse response;
  if (decoded->transactional_id) {
    response.error_code =
        static_cast<int16_t>(protocol::ErrorCode::kTransactionalIdAuthorizationFailed);
  } else {
    // The allocator may write its reservation file: keep that off the network threads.
    Result<int64_t> id = Status::failed_precondition("producer id not allocated");
    std::vector<std::function<void()>> jobs;
    jobs.emplace_back([&] { id = context.producer_ids.next(); });
    co_await run_blocking(context.blocking_pool, std::move(jobs));
    if (id.is_ok()) {
      response.producer_id = *id;
      response.producer_epoch = 0;
    } else {
      // No id block to be had (cluster mode, etcd unreachable): clients retry this one.
      response.error_code = static_cast<int16_t>(id.status().code() == StatusCode::kUnavailable
                                                     ? protocol::ErrorCode::kCoordinatorNotAvailable
                                                     : error_code_for(id.status()));
    }
  }
  co_return std::optional<std::string>(encode_body(response, request.header.api_version));
}

}  // namespace sluice::kafka::server
