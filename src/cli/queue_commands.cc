// sluice queue create|list|attrs|send|receive|purge|delete|redrive
#include <chrono>
#include <iostream>
#include <iterator>
#include <memory>
#include <thread>

#include "cli/cli.h"
#include "cli/cli_error.h"
#include "cli/sqs_client.h"

namespace sluice::cli {

namespace {

struct QueueArgs {
  std::string name;
  bool fifo = false;
  std::vector<std::string> attributes;
  std::string prefix;
  std::string body;
  std::string group_id;
  std::string dedup_id;
  int delay_s = -1;
  int count = 1;
  int wait_s = 0;
  int visibility_s = -1;
  bool remove = false;
};

void create(const CliContext& context, const QueueArgs& args) {
  SqsClient sqs(context.endpoints().sqs_endpoint);
  nlohmann::json attributes = nlohmann::json::object();
  for (const auto& text : args.attributes) {
    auto [key, value] = split_key_value(text, "--attr");
    attributes[key] = value;
  }
  std::string name = args.name;
  if (args.fifo) {
    attributes["FifoQueue"] = "true";
    if (!name.ends_with(".fifo")) name += ".fifo";
  }
  nlohmann::json request = {{"QueueName", name}};
  if (!attributes.empty()) request["Attributes"] = attributes;
  const std::string url = sqs.call("CreateQueue", request).at("QueueUrl");
  emit(context.format, {{"queue", name}, {"url", url}}, {{"queue", "url"}, {{name, url}}});
}

void list(const CliContext& context, const QueueArgs& args) {
  SqsClient sqs(context.endpoints().sqs_endpoint);
  nlohmann::json urls = nlohmann::json::array();
  std::string next;
  do {
    nlohmann::json request = {{"MaxResults", 1000}};
    if (!args.prefix.empty()) request["QueueNamePrefix"] = args.prefix;
    if (!next.empty()) request["NextToken"] = next;
    const nlohmann::json page = sqs.call("ListQueues", request);
    for (const auto& url : page.value("QueueUrls", nlohmann::json::array())) urls.push_back(url);
    next = page.value("NextToken", "");
  } while (!next.empty());
  nlohmann::json json = nlohmann::json::array();
  Table table{{"queue", "url"}, {}};
  for (const auto& url : urls) {
    const std::string text = url.get<std::string>();
    const std::string name = text.substr(text.rfind('/') + 1);
    json.push_back({{"queue", name}, {"url", text}});
    table.rows.push_back({name, text});
  }
  emit(context.format, json, table);
}

nlohmann::json queue_attributes(SqsClient& sqs, const std::string& url) {
  return sqs.call("GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", {"All"}}})
      .value("Attributes", nlohmann::json::object());
}

void attrs(const CliContext& context, const QueueArgs& args) {
  SqsClient sqs(context.endpoints().sqs_endpoint);
  const nlohmann::json attributes = queue_attributes(sqs, sqs.queue_url(args.name));
  Table table{{"attribute", "value"}, {}};
  for (const auto& [key, value] : attributes.items()) table.rows.push_back({key, cell(value)});
  emit(context.format, {{"queue", args.name}, {"attributes", attributes}}, table);
}

void send(const CliContext& context, const QueueArgs& args) {
  std::string body = args.body;
  if (body == "-") {
    body.assign(std::istreambuf_iterator<char>(std::cin), {});
    // `echo text | sluice queue send q -` sends "text", not "text\n".
    if (body.ends_with('\n')) body.pop_back();
  }
  SqsClient sqs(context.endpoints().sqs_endpoint);
  nlohmann::json request = {{"QueueUrl", sqs.queue_url(args.name)}, {"MessageBody", body}};
  if (!args.group_id.empty()) request["MessageGroupId"] = args.group_id;
  if (!args.dedup_id.empty()) request["MessageDeduplicationId"] = args.dedup_id;
  if (args.delay_s >= 0) request["DelaySeconds"] = args.delay_s;
  const nlohmann::json result = sqs.call("SendMessage", request);
  nlohmann::json json = {{"queue", args.name},
                         {"message_id", result.value("MessageId", "")},
                         {"md5_of_body", result.value("MD5OfMessageBody", "")}};
  if (result.contains("SequenceNumber")) json["sequence_number"] = result["SequenceNumber"];
  emit(context.format, json,
       {{"queue", "message id"}, {{args.name, result.value("MessageId", "")}}});
}

void receive(const CliContext& context, const QueueArgs& args) {
  SqsClient sqs(context.endpoints().sqs_endpoint);
  const std::string url = sqs.queue_url(args.name);
  nlohmann::json messages = nlohmann::json::array();
  // SQS hands out at most 10 per call: keep asking until --count or a call comes back empty.
  while (static_cast<int>(messages.size()) < args.count) {
    nlohmann::json request = {
        {"QueueUrl", url},
        {"MaxNumberOfMessages", std::min(10, args.count - static_cast<int>(messages.size()))},
        {"WaitTimeSeconds", args.wait_s},
        {"AttributeNames", {"All"}},
        {"MessageAttributeNames", {"All"}}};
    if (args.visibility_s >= 0) request["VisibilityTimeout"] = args.visibility_s;
    const nlohmann::json batch =
        sqs.call("ReceiveMessage", request).value("Messages", nlohmann::json::array());
    if (batch.empty()) break;
    // A short visibility timeout can hand a message out twice within one command: stop there.
    bool repeated = false;
    for (const auto& message : batch) {
      for (const auto& seen : messages) repeated |= seen["MessageId"] == message["MessageId"];
    }
    if (repeated) break;
    for (const auto& message : batch) {
      if (args.remove) {
        sqs.call("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", message["ReceiptHandle"]}});
      }
      messages.push_back(message);
    }
  }
  nlohmann::json json = nlohmann::json::array();
  Table table{{"message id", "receives", "body"}, {}};
  for (const auto& message : messages) {
    const nlohmann::json attributes = message.value("Attributes", nlohmann::json::object());
    json.push_back(
        {{"message_id", message.value("MessageId", "")},
         {"receipt_handle", message.value("ReceiptHandle", "")},
         {"body", message.value("Body", "")},
         {"attributes", attributes},
         {"message_attributes", message.value("MessageAttributes", nlohmann::json::object())},
         {"deleted", args.remove}});
    table.rows.push_back({message.value("MessageId", ""),
                          attributes.value("ApproximateReceiveCount", ""),
                          message.value("Body", "")});
  }
  emit(context.format, json, table);
}

// Purge and delete: one call naming the queue, one line of output.
void simple_action(const CliContext& context, const QueueArgs& args, const std::string& action,
                   const std::string& done) {
  SqsClient sqs(context.endpoints().sqs_endpoint);
  sqs.call(action, {{"QueueUrl", sqs.queue_url(args.name)}});
  emit(context.format, {{"queue", args.name}, {done, true}},
       {{"queue", "status"}, {{args.name, done}}});
}

// Moves a dead-letter queue's messages back to the queues they came from, with a message
// move task, and waits for it to finish.
void redrive(const CliContext& context, const QueueArgs& args) {
  SqsClient sqs(context.endpoints().sqs_endpoint);
  const std::string arn =
      queue_attributes(sqs, sqs.queue_url(args.name)).value("QueueArn", std::string());
  sqs.call("StartMessageMoveTask", {{"SourceArn", arn}});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  nlohmann::json task;
  while (true) {
    // The newest task of the source is ours: a source has one running task at a time, and
    // a finished task no longer shows its handle.
    const auto results = sqs.call("ListMessageMoveTasks", {{"SourceArn", arn}})
                             .value("Results", nlohmann::json::array());
    if (results.empty()) {
      throw CliError("redrive of '" + args.name + "' at " + sqs.endpoint() +
                     ": its move task is not listed");
    }
    task = results.front();
    const std::string status = task.value("Status", "");
    if (status != "RUNNING") break;
    if (std::chrono::steady_clock::now() > deadline) {
      throw CliError("redrive of '" + args.name + "' at " + sqs.endpoint() +
                     " still running after 5 minutes; follow it with ListMessageMoveTasks");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const std::string status = task.value("Status", "");
  const auto moved = task.value("ApproximateNumberOfMessagesMoved", int64_t{0});
  nlohmann::json json = {{"queue", args.name}, {"status", status}, {"moved", moved}};
  emit(context.format, json,
       {{"queue", "status", "moved"}, {{args.name, status, std::to_string(moved)}}});
  if (status != "COMPLETED") {
    throw CliError("redrive of '" + args.name + "' ended " + status + ": " +
                   task.value("FailureReason", std::string("no reason given")));
  }
}

}  // namespace

void add_queue_commands(CLI::App& app, CliContext& context) {
  auto args = std::make_shared<QueueArgs>();
  CLI::App* queue = add_command(app, "queue", "Create, inspect, use and delete SQS queues");
  queue->require_subcommand(1);
  auto named = [&](const std::string& command, const std::string& description) {
    CLI::App* sub = add_command(*queue, command, description);
    sub->add_option("name", args->name, "Queue name")->required();
    add_format_option(sub, context);
    return sub;
  };

  CLI::App* create_command = named("create", "Create a queue (returns its URL)");
  create_command->add_flag("--fifo", args->fifo, "A FIFO queue (the name gets .fifo)");
  create_command->add_option("-a,--attr", args->attributes,
                             "Queue attribute KEY=VALUE, e.g. VisibilityTimeout=60 (repeatable)");
  create_command->callback(context.guard([&context, args] { create(context, *args); }));

  CLI::App* list_command = add_command(*queue, "list", "List queues");
  list_command->add_option("--prefix", args->prefix, "Only queues whose name starts so");
  add_format_option(list_command, context);
  list_command->callback(context.guard([&context, args] { list(context, *args); }));

  named("attrs", "All attributes of a queue, counters included")
      ->callback(context.guard([&context, args] { attrs(context, *args); }));

  CLI::App* send_command = named("send", "Send one message");
  send_command->add_option("body", args->body, "Message body, or - to read it from stdin")
      ->required();
  send_command->add_option("--group-id", args->group_id, "MessageGroupId (FIFO queues)");
  send_command->add_option("--dedup-id", args->dedup_id, "MessageDeduplicationId (FIFO queues)");
  send_command->add_option("--delay", args->delay_s, "DelaySeconds");
  send_command->callback(context.guard([&context, args] { send(context, *args); }));

  CLI::App* receive_command = named("receive", "Receive messages (and optionally delete them)");
  receive_command->add_option("-n,--count", args->count, "How many messages at most")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  receive_command->add_option("-w,--wait", args->wait_s, "Long-poll seconds per call (0-20)")
      ->check(CLI::Range(0, 20))
      ->capture_default_str();
  receive_command->add_option("--visibility", args->visibility_s, "VisibilityTimeout seconds");
  receive_command->add_flag("-d,--delete", args->remove, "Delete each message once printed");
  receive_command->callback(context.guard([&context, args] { receive(context, *args); }));

  named("purge", "Delete every message in a queue")->callback(context.guard([&context, args] {
    simple_action(context, *args, "PurgeQueue", "purged");
  }));
  named("delete", "Delete a queue")->callback(context.guard([&context, args] {
    simple_action(context, *args, "DeleteQueue", "deleted");
  }));
  named("redrive", "Move a dead-letter queue's messages back to their source queues")
      ->callback(context.guard([&context, args] { redrive(context, *args); }));
}

}  // namespace sluice::cli
