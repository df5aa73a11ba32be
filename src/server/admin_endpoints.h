// What the admin HTTP server answers for this broker: /healthz, /readyz, /metrics (the
// default metrics registry plus a scrape-time collector over the services), the CLI's JSON
// API (/v1/status, /v1/topics, /v1/queues, /v1/groups) and run-time log levels
// (/v1/log-levels). docs/operations.md lists the paths and metrics.
//
// The services are attached once they are open and detached before they close; until then
// /readyz says 503 and the /v1 paths answer 503.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "admin/admin_server.h"
#include "cluster/placement.h"
#include "groups/group_coordinator.h"
#include "groups/offset_store.h"
#include "kafka/server/listener.h"
#include "queues/queue_manager.h"
#include "sqs/server/listener.h"
#include "topics/topic_manager.h"

namespace sluice::server {

struct BrokerServices {
  topics::TopicManager& topics;
  const cluster::Placement& placement;
  // Cluster mode only: leader elections this broker wrote as controller.
  std::function<uint64_t()> leader_elections;
  groups::OffsetStore& offsets;
  groups::GroupCoordinator& coordinator;
  queues::QueueManager& queues;
  kafka::server::KafkaListener& kafka_listener;
  sqs::server::SqsListener& sqs_listener;
  std::string data_dir;
  std::string kafka_address;
  std::string sqs_address;
};

class AdminEndpoints {
 public:
  // Registers every path on `server`. REQUIRES: before server.start().
  explicit AdminEndpoints(admin::AdminServer& server);
  ~AdminEndpoints();

  // Makes the services visible to the endpoints and the metrics; /readyz turns 200.
  void attach(const BrokerServices* services);
  // Not ready any more (a stop began); /v1 and the metrics collector keep working.
  void set_draining();
  // Forgets the services: once this returns no endpoint touches them.
  void detach();

 private:
  admin::HttpResponse status() const;
  admin::HttpResponse topics() const;
  admin::HttpResponse queues() const;
  admin::HttpResponse groups() const;
  admin::HttpResponse log_levels() const;
  admin::HttpResponse set_log_level(const admin::HttpRequest& request) const;
  void collect(metrics::Exposition& out) const;

  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  uint64_t collector_id_ = 0;
  std::atomic<bool> ready_{false};
  // Held by every reader of services_, and by detach() to wait for them.
  mutable std::mutex mu_;
  const BrokerServices* services_ = nullptr;  // GUARDED_BY(mu_)
};

}  // namespace sluice::server
