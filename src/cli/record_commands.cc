// sluice produce TOPIC / sluice consume TOPIC
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/cli.h"
#include "cli/cli_error.h"
#include "cli/kafka_client.h"

namespace sluice::cli {

namespace {

struct ProduceArgs {
  std::string topic;
  std::string file;
  std::string key_separator;
  std::vector<std::string> headers;
  int32_t partition = -1;
};

struct ConsumeArgs {
  std::string topic;
  std::string offset = "beginning";
  int64_t count = -1;
  std::string group;
  std::string format = "raw";
  bool follow = false;
};

// Delivery reports of one produce run, per partition.
struct Delivered {
  std::map<int32_t, std::pair<int64_t, int64_t>> offsets;  // partition -> first, last
  std::map<int32_t, int64_t> records;
  int64_t failed = 0;
  std::string first_error;
};

// Each record carries its Delivered as the per-message opaque (RD_KAFKA_V_OPAQUE).
void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  auto* delivered = static_cast<Delivered*>(message->_private);
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (delivered->failed++ == 0) delivered->first_error = rd_kafka_err2str(message->err);
    return;
  }
  auto [it, inserted] =
      delivered->offsets.try_emplace(message->partition, message->offset, message->offset);
  if (!inserted) it->second.second = message->offset;
  ++delivered->records[message->partition];
}

void produce(const CliContext& context, const ProduceArgs& args) {
  std::ifstream file;
  if (!args.file.empty()) {
    file.open(args.file);
    if (!file) throw usage_error("--file " + args.file + ": cannot open");
  }
  std::istream& input = args.file.empty() ? std::cin : file;
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& text : args.headers) headers.push_back(split_key_value(text, "--header"));

  Delivered delivered;
  const std::string brokers = context.endpoints().brokers;
  KafkaClient client(brokers, RD_KAFKA_PRODUCER,
                     {{"acks", "all"}, {"enable.idempotence", "true"}, {"linger.ms", "5"}},
                     on_delivery);
  rd_kafka_t* producer = client.handle();
  int64_t sent = 0;
  std::string line;
  while (std::getline(input, line)) {
    std::string key;
    std::string value = line;
    if (!args.key_separator.empty()) {
      const size_t at = line.find(args.key_separator);
      if (at != std::string::npos) {
        key = line.substr(0, at);
        value = line.substr(at + args.key_separator.size());
      }
    }
    rd_kafka_headers_t* record_headers = rd_kafka_headers_new(headers.size());
    for (const auto& [name, header_value] : headers) {
      rd_kafka_header_add(record_headers, name.c_str(), -1, header_value.data(),
                          static_cast<ssize_t>(header_value.size()));
    }
    rd_kafka_resp_err_t err;
    while (
        (err = rd_kafka_producev(
             producer, RD_KAFKA_V_TOPIC(args.topic.c_str()), RD_KAFKA_V_PARTITION(args.partition),
             RD_KAFKA_V_KEY(key.empty() ? nullptr : key.data(), key.size()),
             RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_HEADERS(record_headers),
             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(&delivered),
             RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(producer, 50);
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_headers_destroy(record_headers);  // ownership passes only on success
      throw CliError("producing to '" + args.topic + "' at " + brokers + ": " +
                     rd_kafka_err2str(err));
    }
    ++sent;
    rd_kafka_poll(producer, 0);
  }
  if (rd_kafka_flush(producer, 30000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw CliError("producing to '" + args.topic + "' at " + brokers +
                   ": not every record was acknowledged within 30 s");
  }
  if (delivered.failed > 0) {
    throw CliError(std::to_string(delivered.failed) + " of " + std::to_string(sent) +
                   " records to '" + args.topic + "' failed at " + brokers + ": " +
                   delivered.first_error);
  }
  nlohmann::json partitions = nlohmann::json::array();
  Table table{{"topic", "partition", "records", "first offset", "last offset"}, {}};
  for (const auto& [partition, range] : delivered.offsets) {
    partitions.push_back({{"partition", partition},
                          {"records", delivered.records[partition]},
                          {"first_offset", range.first},
                          {"last_offset", range.second}});
    table.rows.push_back({args.topic, std::to_string(partition),
                          std::to_string(delivered.records[partition]), std::to_string(range.first),
                          std::to_string(range.second)});
  }
  emit(context.format, {{"topic", args.topic}, {"records", sent}, {"partitions", partitions}},
       table);
}

// Where a partition starts for --offset: beginning, end, an offset, or @timestamp-ms.
int64_t start_offset(const KafkaClient& client, const std::string& topic, int32_t partition,
                     const std::string& offset) {
  const auto [low, high] = client.watermarks(topic, partition);
  if (offset == "beginning") return low;
  if (offset == "end") return high;
  if (offset.starts_with("@")) {
    const int64_t at = std::stoll(offset.substr(1));
    const int64_t found = client.offsets_for_time(topic, {partition}, at).begin()->second;
    return found < 0 ? high : found;
  }
  return std::clamp<int64_t>(std::stoll(offset), low, high);
}

void check_offset_flag(const std::string& offset) {
  if (offset == "beginning" || offset == "end") return;
  const std::string digits = offset.starts_with("@") ? offset.substr(1) : offset;
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) {
    throw usage_error("--offset '" + offset +
                      "': expected beginning, end, an offset, or @timestamp-ms");
  }
}

void print_record(const rd_kafka_message_t* message, const std::string& format) {
  const std::string value(static_cast<const char*>(message->payload), message->len);
  if (format == "raw") {
    std::fwrite(value.data(), 1, value.size(), stdout);
    std::fputc('\n', stdout);
    return;
  }
  nlohmann::json record = {{"topic", rd_kafka_topic_name(message->rkt)},
                           {"partition", message->partition},
                           {"offset", message->offset},
                           {"timestamp", rd_kafka_message_timestamp(message, nullptr)},
                           {"value", value}};
  record["key"] =
      message->key == nullptr
          ? nlohmann::json()
          : nlohmann::json(std::string(static_cast<const char*>(message->key), message->key_len));
  nlohmann::json headers = nlohmann::json::object();
  rd_kafka_headers_t* record_headers = nullptr;
  if (rd_kafka_message_headers(message, &record_headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name;
    const void* header_value;
    size_t size;
    for (size_t i = 0; !rd_kafka_header_get_all(record_headers, i, &name, &header_value, &size);
         ++i) {
      headers[name] = std::string(static_cast<const char*>(header_value), size);
    }
  }
  record["headers"] = headers;
  std::puts(record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

void consume(const CliContext& context, const ConsumeArgs& args) {
  check_offset_flag(args.offset);
  const bool grouped = !args.group.empty();
  if (grouped && args.offset != "beginning" && args.offset != "end") {
    throw usage_error(
        "--offset with --group is beginning or end (where the group starts "
        "when it has no committed offset); use `sluice group reset-offsets` to "
        "move a group");
  }
  const std::string brokers = context.endpoints().brokers;
  std::map<std::string, std::string> settings = {{"enable.auto.commit", "false"},
                                                 {"enable.partition.eof", "false"}};
  settings["group.id"] = grouped ? args.group : "sluice-cli";
  settings["auto.offset.reset"] = args.offset == "end" ? "latest" : "earliest";
  KafkaClient client(brokers, RD_KAFKA_CONSUMER, settings);
  rd_kafka_t* consumer = client.handle();
  rd_kafka_poll_set_consumer(consumer);

  // The end of each partition when the command starts: without --count or --follow the
  // command stops there, like `kcat -e`.
  const TopicInfo topic = client.metadata(args.topic).topics.at(0);
  std::map<int32_t, int64_t> ends;
  for (const auto& partition : topic.partitions) {
    ends[partition.id] = client.watermarks(args.topic, partition.id).second;
  }
  std::unique_ptr<rd_kafka_topic_partition_list_t, void (*)(rd_kafka_topic_partition_list_t*)> list(
      rd_kafka_topic_partition_list_new(static_cast<int>(ends.size())),
      rd_kafka_topic_partition_list_destroy);
  std::map<int32_t, int64_t> positions;
  if (grouped) {
    rd_kafka_topic_partition_list_add(list.get(), args.topic.c_str(), RD_KAFKA_PARTITION_UA);
    if (auto err = rd_kafka_subscribe(consumer, list.get())) {
      throw CliError("subscribing group '" + args.group + "' at " + brokers + ": " +
                     rd_kafka_err2str(err));
    }
  } else {
    for (const auto& [id, end] : ends) {
      positions[id] = start_offset(client, args.topic, id, args.offset);
      rd_kafka_topic_partition_list_add(list.get(), args.topic.c_str(), id)->offset = positions[id];
    }
    rd_kafka_assign(consumer, list.get());
  }

  // Where a newly assigned partition of the group starts: its committed offset, or where
  // auto.offset.reset sends it.
  auto group_start = [&](int32_t partition) {
    PartitionList one(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(one.get(), args.topic.c_str(), partition);
    int64_t committed = -1;
    if (rd_kafka_committed(consumer, one.get(), static_cast<int>(kRequestTimeout.count())) ==
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      committed = one->elems[0].offset;
    }
    if (committed >= 0) return committed;
    return args.offset == "end" ? ends[partition] : client.watermarks(args.topic, partition).first;
  };
  auto caught_up = [&] {
    if (args.follow || args.count >= 0) return false;
    if (grouped) {
      // Done once the group has given this member partitions and each is read to its end.
      rd_kafka_topic_partition_list_t* assigned = nullptr;
      if (rd_kafka_assignment(consumer, &assigned) != RD_KAFKA_RESP_ERR_NO_ERROR) return false;
      PartitionList owned(assigned);
      bool done = owned->cnt > 0;
      for (int i = 0; done && i < owned->cnt; ++i) {
        const int32_t partition = owned->elems[i].partition;
        if (!positions.contains(partition)) positions[partition] = group_start(partition);
        done = positions[partition] >= ends[partition];
      }
      return done;
    }
    for (const auto& [id, end] : ends) {
      if (positions[id] < end) return false;
    }
    return true;
  };

  int64_t printed = 0;
  while (!caught_up() && (args.count < 0 || printed < args.count)) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer, 200);
    if (message == nullptr) continue;
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const std::string error = rd_kafka_message_errstr(message);
      rd_kafka_message_destroy(message);
      throw CliError("consuming '" + args.topic + "' at " + brokers + ": " + error);
    }
    print_record(message, args.format);
    positions[message->partition] = message->offset + 1;
    ++printed;
    rd_kafka_message_destroy(message);
  }
  std::fflush(stdout);
  if (grouped && printed > 0) rd_kafka_commit(consumer, nullptr, 0);
  rd_kafka_consumer_close(consumer);
}

}  // namespace

void add_record_commands(CLI::App& app, CliContext& context) {
  auto produce_args = std::make_shared<ProduceArgs>();
  CLI::App* produce_command =
      add_command(app, "produce", "Produce one record per line of stdin (or --file)");
  produce_command->add_option("topic", produce_args->topic, "Topic to produce to")->required();
  produce_command->add_option("-f,--file", produce_args->file, "Read records from this file");
  produce_command->add_option("-k,--key-separator", produce_args->key_separator,
                              "Split each line into KEY<sep>VALUE at the first separator");
  produce_command->add_option("-H,--header", produce_args->headers,
                              "Header KEY=VALUE on every record (repeatable)");
  produce_command->add_option("-p,--partition", produce_args->partition,
                              "Partition (default: by key, or spread)");
  add_format_option(produce_command, context);
  produce_command->callback(
      context.guard([&context, produce_args] { produce(context, *produce_args); }));

  auto consume_args = std::make_shared<ConsumeArgs>();
  CLI::App* consume_command =
      add_command(app, "consume",
                  "Print a topic's records; stops at the current end unless --count or --follow");
  consume_command->add_option("topic", consume_args->topic, "Topic to read")->required();
  consume_command
      ->add_option("-o,--offset", consume_args->offset,
                   "Where to start: beginning, end, an offset, or @timestamp-ms")
      ->capture_default_str();
  consume_command->add_option("-n,--count", consume_args->count, "Stop after this many records");
  consume_command->add_option("-g,--group", consume_args->group,
                              "Consume as a member of this group and commit what was printed");
  consume_command
      ->add_option("--format", consume_args->format,
                   "raw: each value on its own line; json: one object per record")
      ->check(CLI::IsMember({"raw", "json"}))
      ->capture_default_str();
  consume_command->add_flag("-F,--follow", consume_args->follow, "Keep waiting for new records");
  consume_command->callback(
      context.guard([&context, consume_args] { consume(context, *consume_args); }));
}

}  // namespace sluice::cli
