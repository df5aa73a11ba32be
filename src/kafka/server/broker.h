// The Kafka face of the broker: routes each request to its handler by API key and checks
// the version against what ApiVersions advertised.
#pragma once

#include <cstdint>
#include <map>

#include "common/metrics.h"
#include "kafka/server/broker_context.h"
#include "kafka/server/listener.h"

namespace sluice::kafka::server {

class KafkaBroker final : public RequestDispatcher {
 public:
  explicit KafkaBroker(BrokerContext context);

  // Routes the request and records its time in sluice_kafka_request_duration_seconds.
  asio::awaitable<HandlerResult> dispatch(Request request) override;

 private:
  asio::awaitable<HandlerResult> route(Request& request);

  BrokerContext context_;
  // Per API key, created up front so that the request path takes no lock.
  std::map<int16_t, metrics::Histogram*> latency_;
};

}  // namespace sluice::kafka::server
