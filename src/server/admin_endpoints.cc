#include "server/admin_endpoints.h"

#include <nlohmann/json.hpp>

#include "common/log.h"
#include "common/metrics.h"
#include "storage/partition_log.h"

namespace sluice::server {

using admin::HttpRequest;
using admin::HttpResponse;
using metrics::Type;
using nlohmann::json;

namespace {

HttpResponse json_response(const json& body) {
  return HttpResponse{200, "application/json", body.dump() + "\n"};
}

HttpResponse not_ready() {
  return admin::json_error(503, "the broker is not ready (starting or stopped)");
}

int64_t now_s() {
  return storage::system_clock_ms() / 1000;
}

// Per partition of every topic: its log and its traffic.
template <typename Visit>
void for_each_partition(topics::TopicManager& manager, Visit visit) {
  for (const auto& info : manager.topics()) {
    for (int32_t i = 0; i < info.partitions; ++i) {
      if (auto partition = manager.partition(info.name, i)) visit(info, *partition);
    }
  }
}

struct GroupLag {
  std::string group;
  groups::TopicPartition tp;
  int64_t committed = 0;
  int64_t end = 0;
};

// Committed offsets against log ends; partitions that no longer exist are skipped.
std::vector<GroupLag> group_lags(const BrokerServices& services) {
  std::vector<GroupLag> lags;
  for (const auto& group : services.offsets.groups()) {
    for (const auto& [tp, committed] : services.offsets.fetch_all(group)) {
      auto partition = services.topics.partition(tp.topic, tp.partition);
      if (!partition || committed.offset < 0) continue;
      lags.push_back(GroupLag{group, tp, committed.offset, partition->log().high_watermark()});
    }
  }
  return lags;
}

}  // namespace

AdminEndpoints::AdminEndpoints(admin::AdminServer& server) {
  server.route("GET", "/healthz", [](const HttpRequest&) {
    return HttpResponse{200, "text/plain; charset=utf-8", "ok\n"};
  });
  server.route("GET", "/readyz", [this](const HttpRequest&) {
    if (ready_.load()) return HttpResponse{200, "text/plain; charset=utf-8", "ready\n"};
    return HttpResponse{503, "text/plain; charset=utf-8", "not ready\n"};
  });
  server.route("GET", "/metrics", [](const HttpRequest&) {
    return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8",
                        metrics::default_registry().render()};
  });
  server.route("GET", "/v1/status", [this](const HttpRequest&) { return status(); });
  server.route("GET", "/v1/topics", [this](const HttpRequest&) { return topics(); });
  server.route("GET", "/v1/queues", [this](const HttpRequest&) { return queues(); });
  server.route("GET", "/v1/groups", [this](const HttpRequest&) { return groups(); });
  server.route("GET", "/v1/log-levels", [this](const HttpRequest&) { return log_levels(); });
  server.route("PUT", "/v1/log-levels",
               [this](const HttpRequest& request) { return set_log_level(request); });
  collector_id_ =
      metrics::default_registry().add_collector([this](metrics::Exposition& out) { collect(out); });
}

AdminEndpoints::~AdminEndpoints() {
  metrics::default_registry().remove_collector(collector_id_);
}

void AdminEndpoints::attach(const BrokerServices* services) {
  std::lock_guard lock(mu_);
  services_ = services;
  ready_.store(true);
}

void AdminEndpoints::set_draining() {
  ready_.store(false);
}

void AdminEndpoints::detach() {
  std::lock_guard lock(mu_);
  ready_.store(false);
  services_ = nullptr;
}

HttpResponse AdminEndpoints::status() const {
  std::lock_guard lock(mu_);
  if (!services_) return not_ready();
  const BrokerServices& s = *services_;
  int64_t partitions = 0;
  const auto topic_list = s.topics.topics();
  for (const auto& info : topic_list) partitions += info.partitions;
  const auto uptime = std::chrono::steady_clock::now() - started_;
  return json_response(json{
      {"ready", ready_.load()},
      {"uptime_seconds", std::chrono::duration_cast<std::chrono::seconds>(uptime).count()},
      {"data_dir", s.data_dir},
      {"listeners", {{"kafka", s.kafka_address}, {"sqs", s.sqs_address}}},
      {"open_connections",
       {{"kafka", s.kafka_listener.open_connections()},
        {"sqs", s.sqs_listener.open_connections()}}},
      {"topics", topic_list.size()},
      {"partitions", partitions},
      {"queues", s.queues.all_queues().size()},
      {"groups", s.offsets.groups().size()},
      {"cluster",
       {{"mode", s.leader_elections ? "cluster" : "single node"},
        {"node_id", s.placement.self()},
        {"cluster_id", s.placement.cluster_id()},
        {"controller", s.placement.controller()},
        {"brokers", s.placement.brokers().size()}}},
  });
}

HttpResponse AdminEndpoints::topics() const {
  std::lock_guard lock(mu_);
  if (!services_) return not_ready();
  json list = json::array();
  for (const auto& info : services_->topics.topics()) {
    json partitions = json::array();
    for (int32_t i = 0; i < info.partitions; ++i) {
      auto partition = services_->topics.partition(info.name, i);
      if (!partition) continue;
      const auto& log = partition->log();
      const auto traffic = partition->traffic();
      partitions.push_back({{"partition", i},
                            {"log_start_offset", log.log_start_offset()},
                            {"log_end_offset", log.log_end_offset()},
                            {"durable_offset", log.durable_offset()},
                            {"high_watermark", log.high_watermark()},
                            {"size_bytes", log.size_bytes()},
                            {"segments", log.segment_count()},
                            {"records_in", traffic.records_in},
                            {"records_out", traffic.records_out}});
    }
    list.push_back(
        {{"name", info.name}, {"partitions", std::move(partitions)}, {"configs", info.overrides}});
  }
  return json_response(json{{"topics", std::move(list)}});
}

HttpResponse AdminEndpoints::queues() const {
  std::lock_guard lock(mu_);
  if (!services_) return not_ready();
  json list = json::array();
  const int64_t now = now_s();
  for (const auto& queue : services_->queues.all_queues()) {
    const auto counts = queue->counts();
    list.push_back(
        {{"name", queue->name()},
         {"fifo", queue->fifo()},
         {"visible", counts.visible},
         {"in_flight", counts.not_visible},
         {"delayed", counts.delayed},
         {"oldest_message_age_seconds",
          counts.oldest_sent_s == 0 ? 0 : std::max<int64_t>(0, now - counts.oldest_sent_s)}});
  }
  return json_response(json{{"queues", std::move(list)}});
}

HttpResponse AdminEndpoints::groups() const {
  std::lock_guard lock(mu_);
  if (!services_) return not_ready();
  json list = json::object();
  for (const auto& description : services_->coordinator.list_groups()) {
    list[description.group_id] = {{"group", description.group_id},
                                  {"state", description.state},
                                  {"members", description.members.size()},
                                  {"offsets", json::array()}};
  }
  for (const auto& lag : group_lags(*services_)) {
    auto& entry = list[lag.group];
    if (!entry.contains("group")) {
      entry = {
          {"group", lag.group}, {"state", "Empty"}, {"members", 0}, {"offsets", json::array()}};
    }
    entry["offsets"].push_back({{"topic", lag.tp.topic},
                                {"partition", lag.tp.partition},
                                {"committed", lag.committed},
                                {"log_end_offset", lag.end},
                                {"lag", std::max<int64_t>(0, lag.end - lag.committed)}});
  }
  json array = json::array();
  for (auto& [name, entry] : list.items()) array.push_back(std::move(entry));
  return json_response(json{{"groups", std::move(array)}});
}

HttpResponse AdminEndpoints::log_levels() const {
  const auto levels = log::levels();
  json components = json::object();
  for (const auto& [name, level] : levels.components) components[name] = log::level_name(level);
  return json_response(
      json{{"default", log::level_name(levels.default_level)}, {"components", components}});
}

// Body: {"level": "debug"} for the default, {"component": "kafka", "level": "debug"} for one.
HttpResponse AdminEndpoints::set_log_level(const HttpRequest& request) const {
  const json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("level") ||
      !body["level"].is_string()) {
    return admin::json_error(400,
                             R"(expected {"level": "LEVEL"} or {"component": ..., "level": ...})");
  }
  const auto level = log::parse_level(body["level"].get<std::string>());
  if (!level) return admin::json_error(400, "unknown level " + body["level"].dump());
  if (body.contains("component")) {
    if (!body["component"].is_string() || body["component"].get<std::string>().empty()) {
      return admin::json_error(400, "component must be a non-empty string");
    }
    const std::string component = body["component"].get<std::string>();
    log::set_level(component, *level);
    log::get("admin")->info("log level changed component={} level={}", component,
                            log::level_name(*level));
  } else {
    log::set_default_level(*level);
    log::get("admin")->info("default log level changed level={}", log::level_name(*level));
  }
  return log_levels();
}

void AdminEndpoints::collect(metrics::Exposition& out) const {
  std::lock_guard lock(mu_);
  out.add("sluice_ready", Type::kGauge, "1 once log recovery finished and the listeners are open",
          {}, ready_.load() ? 1 : 0);
  if (!services_) return;
  const BrokerServices& s = *services_;

  for_each_partition(s.topics, [&](const topics::TopicInfo& info, topics::Partition& partition) {
    const metrics::Labels labels{{"topic", info.name},
                                 {"partition", std::to_string(partition.index())}};
    const auto traffic = partition.traffic();
    const auto& log = partition.log();
    out.add("sluice_partition_bytes_in_total", Type::kCounter,
            "Bytes of record batches appended to the partition since start", labels,
            static_cast<double>(traffic.bytes_in));
    out.add("sluice_partition_records_in_total", Type::kCounter,
            "Records appended to the partition since start", labels,
            static_cast<double>(traffic.records_in));
    out.add("sluice_partition_bytes_out_total", Type::kCounter,
            "Bytes of record batches returned by fetches since start", labels,
            static_cast<double>(traffic.bytes_out));
    out.add("sluice_partition_records_out_total", Type::kCounter,
            "Records returned by fetches since start", labels,
            static_cast<double>(traffic.records_out));
    out.add("sluice_partition_log_size_bytes", Type::kGauge, "Bytes of the partition's segments",
            labels, static_cast<double>(log.size_bytes()));
    out.add("sluice_partition_log_start_offset", Type::kGauge, "First offset still in the log",
            labels, static_cast<double>(log.log_start_offset()));
    out.add("sluice_partition_log_end_offset", Type::kGauge, "One past the last offset written",
            labels, static_cast<double>(log.log_end_offset()));
    out.add("sluice_partition_durable_offset", Type::kGauge,
            "One past the last offset known to be on disk (fdatasync'ed)", labels,
            static_cast<double>(log.durable_offset()));
    out.add("sluice_partition_high_watermark", Type::kGauge,
            "One past the last offset consumers may read", labels,
            static_cast<double>(log.high_watermark()));
    out.add("sluice_partition_leader", Type::kGauge,
            "1 while this broker leads the partition (serves its clients), 0 otherwise", labels,
            partition.is_leader() ? 1 : 0);
    out.add("sluice_partition_leader_epoch", Type::kGauge,
            "The partition's leader epoch as this broker knows it", labels,
            static_cast<double>(partition.leader_epoch()));
  });

  out.add("sluice_cluster_brokers", Type::kGauge, "Live brokers this broker sees (1: single node)",
          {}, static_cast<double>(s.placement.brokers().size()));
  out.add("sluice_cluster_controller", Type::kGauge,
          "1 while this broker is the controller, 0 otherwise", {},
          s.placement.controller() == s.placement.self() ? 1 : 0);
  if (s.leader_elections) {
    out.add("sluice_leader_elections_total", Type::kCounter,
            "Partition leaders this broker elected as controller since it started", {},
            static_cast<double>(s.leader_elections()));
  }

  const int64_t now = now_s();
  for (const auto& queue : s.queues.all_queues()) {
    const auto counts = queue->counts();
    const metrics::Labels labels{{"queue", queue->name()}};
    out.add("sluice_queue_messages_visible", Type::kGauge, "Messages ready to be received", labels,
            static_cast<double>(counts.visible));
    out.add("sluice_queue_messages_in_flight", Type::kGauge,
            "Messages received and not yet deleted or visible again", labels,
            static_cast<double>(counts.not_visible));
    out.add("sluice_queue_messages_delayed", Type::kGauge, "Messages waiting out a delay", labels,
            static_cast<double>(counts.delayed));
    out.add("sluice_queue_oldest_message_age_seconds", Type::kGauge,
            "Age of the oldest message in the queue (0 when empty)", labels,
            counts.oldest_sent_s == 0
                ? 0.0
                : static_cast<double>(std::max<int64_t>(0, now - counts.oldest_sent_s)));
  }

  for (const auto& lag : group_lags(s)) {
    out.add("sluice_group_lag", Type::kGauge,
            "Log end offset minus the group's committed offset, per partition",
            {{"group", lag.group},
             {"topic", lag.tp.topic},
             {"partition", std::to_string(lag.tp.partition)}},
            static_cast<double>(std::max<int64_t>(0, lag.end - lag.committed)));
  }

  out.add("sluice_open_connections", Type::kGauge, "Open client connections per listener",
          {{"listener", "kafka"}}, static_cast<double>(s.kafka_listener.open_connections()));
  out.add("sluice_open_connections", Type::kGauge, "Open client connections per listener",
          {{"listener", "sqs"}}, static_cast<double>(s.sqs_listener.open_connections()));
  out.add("sluice_requests_in_flight", Type::kGauge,
          "Requests read and not yet answered per listener (long polls included)",
          {{"listener", "kafka"}}, static_cast<double>(s.kafka_listener.requests_in_flight()));
  out.add("sluice_requests_in_flight", Type::kGauge,
          "Requests read and not yet answered per listener (long polls included)",
          {{"listener", "sqs"}}, static_cast<double>(s.sqs_listener.requests_in_flight()));
}

}  // namespace sluice::server
