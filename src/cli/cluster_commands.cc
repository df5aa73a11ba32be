// sluice cluster status
#include <iostream>

#include "cli/admin_client.h"
#include "cli/cli.h"
#include "cli/kafka_client.h"

namespace sluice::cli {

namespace {

std::string id_list(const std::vector<int32_t>& ids) {
  std::string out;
  for (int32_t id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out.empty() ? "-" : out;
}

void status(const CliContext& context, bool per_partition) {
  const Endpoints endpoints = context.endpoints();
  KafkaClient client(endpoints.brokers);
  const ClusterInfo cluster = client.metadata();
  std::map<int32_t, int> leaders;
  int partitions = 0;
  nlohmann::json under_replicated = nlohmann::json::array();
  nlohmann::json offline = nlohmann::json::array();
  nlohmann::json partition_list = nlohmann::json::array();
  Table partition_table{{"topic", "partition", "leader", "replicas", "isr"}, {}};
  for (const auto& topic : cluster.topics) {
    for (const auto& partition : topic.partitions) {
      ++partitions;
      ++leaders[partition.leader];
      if (partition.in_sync.size() < partition.replicas.size()) {
        under_replicated.push_back({{"topic", topic.name}, {"partition", partition.id}});
      }
      // No leader: no in-sync replica is alive (or one is being elected).
      if (partition.leader < 0) {
        offline.push_back({{"topic", topic.name}, {"partition", partition.id}});
      }
      partition_list.push_back({{"topic", topic.name},
                                {"partition", partition.id},
                                {"leader", partition.leader},
                                {"replicas", partition.replicas},
                                {"isr", partition.in_sync}});
      partition_table.rows.push_back(
          {topic.name, std::to_string(partition.id),
           partition.leader < 0 ? "none" : std::to_string(partition.leader),
           id_list(partition.replicas), id_list(partition.in_sync)});
    }
  }
  nlohmann::json brokers = nlohmann::json::array();
  Table table{{"broker", "address", "leader of"}, {}};
  for (const auto& broker : cluster.brokers) {
    const std::string address = broker.host + ":" + std::to_string(broker.port);
    brokers.push_back({{"id", broker.id}, {"address", address}, {"leaders", leaders[broker.id]}});
    table.rows.push_back({std::to_string(broker.id), address, std::to_string(leaders[broker.id])});
  }
  nlohmann::json json = {{"brokers", brokers},
                         {"topics", cluster.topics.size()},
                         {"partitions", partitions},
                         {"under_replicated_partitions", under_replicated},
                         {"offline_partitions", offline}};
  if (per_partition) json["partition_list"] = partition_list;
  // What only the admin API knows: readiness, uptime, queues, groups, connections.
  std::string unavailable;
  AdminClient admin(endpoints.admin_url);
  const auto broker_status = admin.try_get("/v1/status", &unavailable);
  if (broker_status) {
    json["broker_status"] = *broker_status;
  } else {
    std::cerr << "sluice: broker status unavailable: " << unavailable
              << " (point --admin-url or SLUICE_ADMIN_URL at the broker's admin listener)\n";
  }
  if (context.format == Format::kJson) {
    emit(context.format, json, {});
    return;
  }
  std::cout << render_table(table) << "\nTOPICS                       " << cluster.topics.size()
            << "\nPARTITIONS                   " << partitions << "\nUNDER-REPLICATED PARTITIONS  "
            << under_replicated.size() << "\nOFFLINE PARTITIONS           " << offline.size()
            << "\n";
  if (broker_status) {
    const nlohmann::json& s = *broker_status;
    const nlohmann::json cluster_status = s.value("cluster", nlohmann::json::object());
    std::cout << "MODE                         "
              << cell(cluster_status.value("mode", nlohmann::json()))
              << "\nCONTROLLER                   "
              << cell(cluster_status.value("controller", nlohmann::json())) << "\n";
    std::cout << "QUEUES                       " << cell(s.value("queues", nlohmann::json()))
              << "\nGROUPS                       " << cell(s.value("groups", nlohmann::json()))
              << "\nREADY                        " << cell(s.value("ready", nlohmann::json()))
              << "\nUPTIME                       "
              << cell(s.value("uptime_seconds", nlohmann::json())) << " s"
              << "\nDATA DIR                     " << cell(s.value("data_dir", nlohmann::json()))
              << "\n";
  }
  if (per_partition) std::cout << "\n" << render_table(partition_table);
}

}  // namespace

void add_cluster_commands(CLI::App& app, CliContext& context) {
  CLI::App* cluster = add_command(app, "cluster", "The brokers and how partitions sit on them");
  cluster->require_subcommand(1);
  CLI::App* status_command =
      add_command(*cluster, "status", "Brokers, partitions, leaders, under-replicated partitions");
  add_format_option(status_command, context);
  auto per_partition = std::make_shared<bool>(false);
  status_command->add_flag("--partitions", *per_partition,
                           "Also list every partition: leader, replicas, in-sync replicas");
  status_command->callback(
      context.guard([&context, per_partition] { status(context, *per_partition); }));
}

}  // namespace sluice::cli
