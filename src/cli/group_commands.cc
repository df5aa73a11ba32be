// sluice group list|describe|delete|reset-offsets
#include <iostream>
#include <memory>

#include "cli/cli.h"
#include "cli/cli_error.h"
#include "cli/kafka_client.h"

namespace sluice::cli {

namespace {

struct GroupArgs {
  std::string group;
  std::string topic;
  std::string to;
};

void list(const CliContext& context) {
  KafkaClient client(context.endpoints().brokers);
  nlohmann::json json = nlohmann::json::array();
  Table table{{"group", "state"}, {}};
  for (auto [group, state] : client.list_groups()) {
    // ListGroups carries a state only from v4 on; ask the group itself otherwise.
    if (state == "Unknown") state = client.describe_group(group).state;
    json.push_back({{"group", group}, {"state", state}});
    table.rows.push_back({group, state});
  }
  emit(context.format, json, table);
}

void describe(const CliContext& context, const GroupArgs& args) {
  KafkaClient client(context.endpoints().brokers);
  const GroupInfo group = client.describe_group(args.group);
  const PartitionOffsets committed = client.committed_offsets(args.group);
  if (group.members.empty() && committed.empty() && group.state == "Dead") {
    throw CliError("group '" + args.group + "' does not exist on broker " + client.brokers() +
                   " (see `sluice group list`)");
  }
  nlohmann::json members = nlohmann::json::array();
  Table member_table{{"member", "client", "host", "assignment"}, {}};
  for (const auto& member : group.members) {
    nlohmann::json assignment = nlohmann::json::array();
    std::string text;
    for (const auto& [topic, partition] : member.assignment) {
      assignment.push_back({{"topic", topic}, {"partition", partition}});
      text += (text.empty() ? "" : " ") + topic + "/" + std::to_string(partition);
    }
    members.push_back({{"member_id", member.member_id},
                       {"client_id", member.client_id},
                       {"host", member.host},
                       {"assignment", assignment}});
    member_table.rows.push_back({member.member_id, member.client_id, member.host, text});
  }
  nlohmann::json offsets = nlohmann::json::array();
  Table offset_table{{"topic", "partition", "committed", "end", "lag"}, {}};
  int64_t total_lag = 0;
  for (const auto& [partition, offset] : committed) {
    const int64_t end = client.watermarks(partition.first, partition.second).second;
    const int64_t lag = std::max<int64_t>(0, end - offset);
    total_lag += lag;
    offsets.push_back({{"topic", partition.first},
                       {"partition", partition.second},
                       {"committed", offset},
                       {"end_offset", end},
                       {"lag", lag}});
    offset_table.rows.push_back({partition.first, std::to_string(partition.second),
                                 std::to_string(offset), std::to_string(end), std::to_string(lag)});
  }
  nlohmann::json json = {{"group", args.group},
                         {"state", group.state},
                         {"members", members},
                         {"offsets", offsets},
                         {"lag", total_lag}};
  if (context.format == Format::kJson) {
    emit(context.format, json, {});
    return;
  }
  std::cout << "GROUP  " << args.group << "\nSTATE  " << group.state << "\nLAG    " << total_lag
            << "\n\n"
            << render_table(member_table) << "\n"
            << render_table(offset_table);
}

void remove(const CliContext& context, const GroupArgs& args) {
  KafkaClient client(context.endpoints().brokers);
  client.delete_group(args.group);
  emit(context.format, {{"group", args.group}, {"deleted", true}},
       {{"group", "status"}, {{args.group, "deleted"}}});
}

// --to: earliest, latest, an offset, or @timestamp-ms.
void reset_offsets(const CliContext& context, const GroupArgs& args) {
  const bool by_time = args.to.starts_with("@");
  const std::string digits = by_time ? args.to.substr(1) : args.to;
  const bool numeric =
      !digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos;
  if (args.to != "earliest" && args.to != "latest" && !numeric) {
    throw usage_error("--to '" + args.to +
                      "': expected earliest, latest, an offset, or "
                      "@timestamp-ms");
  }
  KafkaClient client(context.endpoints().brokers);
  const TopicInfo topic = client.metadata(args.topic).topics.at(0);
  std::vector<int32_t> ids;
  for (const auto& partition : topic.partitions) ids.push_back(partition.id);
  const PartitionOffsets by_timestamp =
      by_time ? client.offsets_for_time(args.topic, ids, std::stoll(digits)) : PartitionOffsets{};
  PartitionOffsets target;
  for (int32_t id : ids) {
    const auto [low, high] = client.watermarks(args.topic, id);
    int64_t offset = args.to == "earliest" ? low : high;
    if (by_time) {
      const int64_t found = by_timestamp.at({args.topic, id});
      offset = found < 0 ? high : found;
    } else if (numeric) {
      offset = std::clamp<int64_t>(std::stoll(digits), low, high);
    }
    target[{args.topic, id}] = offset;
  }
  client.commit_group_offsets(args.group, target);
  nlohmann::json offsets = nlohmann::json::array();
  Table table{{"topic", "partition", "offset"}, {}};
  for (const auto& [partition, offset] : target) {
    offsets.push_back(
        {{"topic", partition.first}, {"partition", partition.second}, {"offset", offset}});
    table.rows.push_back(
        {partition.first, std::to_string(partition.second), std::to_string(offset)});
  }
  emit(context.format, {{"group", args.group}, {"offsets", offsets}}, table);
}

}  // namespace

void add_group_commands(CLI::App& app, CliContext& context) {
  auto args = std::make_shared<GroupArgs>();
  CLI::App* group = add_command(app, "group", "List, describe, delete and move consumer groups");
  group->require_subcommand(1);

  CLI::App* list_command = add_command(*group, "list", "List consumer groups");
  add_format_option(list_command, context);
  list_command->callback(context.guard([&context] { list(context); }));

  CLI::App* describe_command =
      add_command(*group, "describe", "Members, assignments, committed offsets and lag of a group");
  describe_command->add_option("group", args->group, "Group id")->required();
  add_format_option(describe_command, context);
  describe_command->callback(context.guard([&context, args] { describe(context, *args); }));

  CLI::App* delete_command =
      add_command(*group, "delete", "Delete an empty group and its committed offsets");
  delete_command->add_option("group", args->group, "Group id")->required();
  add_format_option(delete_command, context);
  delete_command->callback(context.guard([&context, args] { remove(context, *args); }));

  CLI::App* reset_command =
      add_command(*group, "reset-offsets", "Move an inactive group's committed offsets on a topic");
  reset_command->add_option("group", args->group, "Group id")->required();
  reset_command->add_option("-t,--topic", args->topic, "Topic whose offsets move")->required();
  reset_command->add_option("--to", args->to, "earliest, latest, an offset, or @timestamp-ms")
      ->required();
  add_format_option(reset_command, context);
  reset_command->callback(context.guard([&context, args] { reset_offsets(context, *args); }));
}

}  // namespace sluice::cli
