// sluice topic create|list|describe|delete|alter-config|add-partitions
#include <iostream>
#include <memory>

#include "cli/admin_client.h"
#include "cli/cli.h"
#include "cli/cli_error.h"
#include "cli/kafka_client.h"

namespace sluice::cli {

namespace {

struct TopicArgs {
  std::string name;
  int partitions = 1;
  int add = 0;
  std::vector<std::string> configs;
  std::vector<std::string> deletes;
};

std::map<std::string, std::string> parse_configs(const std::vector<std::string>& texts) {
  std::map<std::string, std::string> configs;
  for (const auto& text : texts) configs.insert(split_key_value(text, "--config"));
  return configs;
}

std::string join(const std::vector<int32_t>& ids) {
  std::string text;
  for (int32_t id : ids) text += (text.empty() ? "" : ",") + std::to_string(id);
  return text;
}

void create(const CliContext& context, const TopicArgs& args) {
  KafkaClient client(context.endpoints().brokers);
  const auto configs = parse_configs(args.configs);
  client.create_topic(args.name, args.partitions, configs);
  nlohmann::json json = {{"topic", args.name},
                         {"partitions", args.partitions},
                         {"configs", configs},
                         {"created", true}};
  emit(context.format, json,
       {{"topic", "partitions", "status"},
        {{args.name, std::to_string(args.partitions), "created"}}});
}

void list(const CliContext& context) {
  KafkaClient client(context.endpoints().brokers);
  nlohmann::json json = nlohmann::json::array();
  Table table{{"topic", "partitions", "replicas"}, {}};
  for (const auto& topic : client.metadata().topics) {
    const size_t replicas = topic.partitions.empty() ? 0 : topic.partitions[0].replicas.size();
    json.push_back(
        {{"topic", topic.name}, {"partitions", topic.partitions.size()}, {"replicas", replicas}});
    table.rows.push_back(
        {topic.name, std::to_string(topic.partitions.size()), std::to_string(replicas)});
  }
  emit(context.format, json, table);
}

// Each partition's log as the admin API reports it (size on disk and segments), or an empty
// map with why in *reason when that API cannot be reached: the Kafka protocol has no sizes.
std::map<int64_t, nlohmann::json> partition_logs(const Endpoints& endpoints,
                                                 const std::string& topic, std::string* reason) {
  std::map<int64_t, nlohmann::json> logs;
  AdminClient admin(endpoints.admin_url);
  const auto document = admin.try_get("/v1/topics", reason);
  if (!document) return logs;
  for (const auto& entry : document->value("topics", nlohmann::json::array())) {
    if (entry.value("name", "") != topic) continue;
    for (const auto& partition : entry.value("partitions", nlohmann::json::array())) {
      logs[partition.value("partition", int64_t{-1})] = partition;
    }
  }
  if (logs.empty()) *reason = "the admin API at " + admin.endpoint() + " does not list " + topic;
  return logs;
}

void describe(const CliContext& context, const TopicArgs& args) {
  const Endpoints endpoints = context.endpoints();
  KafkaClient client(endpoints.brokers);
  const TopicInfo topic = client.metadata(args.name).topics.at(0);
  std::string sizes_unavailable;
  const auto logs = partition_logs(endpoints, topic.name, &sizes_unavailable);
  nlohmann::json partitions = nlohmann::json::array();
  Table partition_table{
      {"partition", "leader", "replicas", "in-sync", "start", "end", "records", "size", "segments"},
      {}};
  int64_t total_bytes = 0;
  for (const auto& partition : topic.partitions) {
    const auto [start, end] = client.watermarks(topic.name, partition.id);
    nlohmann::json row = {{"partition", partition.id},      {"leader", partition.leader},
                          {"replicas", partition.replicas}, {"in_sync", partition.in_sync},
                          {"start_offset", start},          {"end_offset", end},
                          {"records", end - start}};
    std::string size = "?";
    std::string segments = "?";
    if (auto log = logs.find(partition.id); log != logs.end()) {
      const int64_t bytes = log->second.value("size_bytes", int64_t{0});
      total_bytes += bytes;
      row["size_bytes"] = bytes;
      row["segments"] = log->second.value("segments", int64_t{0});
      size = format_bytes(bytes);
      segments = std::to_string(row["segments"].get<int64_t>());
    }
    partitions.push_back(std::move(row));
    partition_table.rows.push_back({std::to_string(partition.id), std::to_string(partition.leader),
                                    join(partition.replicas), join(partition.in_sync),
                                    std::to_string(start), std::to_string(end),
                                    std::to_string(end - start), size, segments});
  }
  nlohmann::json configs = nlohmann::json::object();
  Table config_table{{"config", "value", "source"}, {}};
  for (const auto& [name, entry] : client.topic_configs(topic.name)) {
    const std::string source = entry.is_default ? "default" : "topic";
    configs[name] = {{"value", entry.value}, {"source", source}};
    config_table.rows.push_back({name, entry.value, source});
  }
  nlohmann::json json = {{"topic", topic.name},
                         {"partition_count", topic.partitions.size()},
                         {"partitions", partitions},
                         {"configs", configs}};
  if (sizes_unavailable.empty()) json["size_bytes"] = total_bytes;
  if (!sizes_unavailable.empty()) {
    std::cerr << "sluice: sizes unavailable: " << sizes_unavailable
              << " (point --admin-url or SLUICE_ADMIN_URL at the broker's admin listener)\n";
  }
  if (context.format == Format::kJson) {
    emit(context.format, json, {});
    return;
  }
  std::cout << "TOPIC  " << topic.name << "\n";
  if (sizes_unavailable.empty()) std::cout << "SIZE   " << format_bytes(total_bytes) << "\n";
  std::cout << "\n" << render_table(partition_table) << "\n" << render_table(config_table);
}

void remove(const CliContext& context, const TopicArgs& args) {
  KafkaClient client(context.endpoints().brokers);
  client.delete_topic(args.name);
  emit(context.format, {{"topic", args.name}, {"deleted", true}},
       {{"topic", "status"}, {{args.name, "deleted"}}});
}

void alter_config(const CliContext& context, const TopicArgs& args) {
  if (args.configs.empty() && args.deletes.empty()) {
    throw usage_error("topic alter-config " + args.name + ": give --set KEY=VALUE or --delete KEY");
  }
  KafkaClient client(context.endpoints().brokers);
  // AlterConfigs replaces every override: start from the ones the topic has now.
  std::map<std::string, std::string> overrides;
  for (const auto& [name, entry] : client.topic_configs(args.name)) {
    if (!entry.is_default && !entry.read_only) overrides[name] = entry.value;
  }
  for (const auto& [key, value] : parse_configs(args.configs)) overrides[key] = value;
  for (const auto& key : args.deletes) overrides.erase(key);
  client.set_topic_configs(args.name, overrides);
  Table table{{"config", "value"}, {}};
  for (const auto& [key, value] : overrides) table.rows.push_back({key, value});
  emit(context.format, {{"topic", args.name}, {"overrides", overrides}}, table);
}

void add_partitions(const CliContext& context, const TopicArgs& args) {
  KafkaClient client(context.endpoints().brokers);
  const size_t current = client.metadata(args.name).topics.at(0).partitions.size();
  const int total = static_cast<int>(current) + args.add;
  client.create_partitions(args.name, total);
  emit(context.format, {{"topic", args.name}, {"partitions", total}},
       {{"topic", "partitions"}, {{args.name, std::to_string(total)}}});
}

}  // namespace

void add_topic_commands(CLI::App& app, CliContext& context) {
  auto args = std::make_shared<TopicArgs>();
  CLI::App* topic = add_command(app, "topic", "Create, list, describe, alter and delete topics");
  topic->require_subcommand(1);

  CLI::App* create_command = add_command(*topic, "create", "Create a topic");
  create_command->add_option("name", args->name, "Topic name")->required();
  create_command->add_option("-p,--partitions", args->partitions, "Number of partitions")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  create_command->add_option("-c,--config", args->configs, "Topic config KEY=VALUE (repeatable)");
  add_format_option(create_command, context);
  create_command->callback(context.guard([&context, args] { create(context, *args); }));

  CLI::App* list_command = add_command(*topic, "list", "List topics");
  add_format_option(list_command, context);
  list_command->callback(context.guard([&context] { list(context); }));

  CLI::App* describe_command =
      add_command(*topic, "describe", "Partitions, offsets, leaders and configs of a topic");
  describe_command->add_option("name", args->name, "Topic name")->required();
  add_format_option(describe_command, context);
  describe_command->callback(context.guard([&context, args] { describe(context, *args); }));

  CLI::App* delete_command = add_command(*topic, "delete", "Delete a topic and its data");
  delete_command->add_option("name", args->name, "Topic name")->required();
  add_format_option(delete_command, context);
  delete_command->callback(context.guard([&context, args] { remove(context, *args); }));

  CLI::App* alter_command = add_command(*topic, "alter-config", "Set or delete topic configs");
  alter_command->add_option("name", args->name, "Topic name")->required();
  alter_command->add_option("-s,--set", args->configs, "KEY=VALUE to set (repeatable)");
  alter_command->add_option("-d,--delete", args->deletes, "KEY to return to its default");
  add_format_option(alter_command, context);
  alter_command->callback(context.guard([&context, args] { alter_config(context, *args); }));

  CLI::App* grow_command = add_command(*topic, "add-partitions", "Add partitions to a topic");
  grow_command->add_option("name", args->name, "Topic name")->required();
  grow_command->add_option("-n,--num", args->add, "How many partitions to add")
      ->required()
      ->check(CLI::PositiveNumber);
  add_format_option(grow_command, context);
  grow_command->callback(context.guard([&context, args] { add_partitions(context, *args); }));
}

}  // namespace sluice::cli
