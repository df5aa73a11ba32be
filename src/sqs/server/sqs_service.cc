#include "sqs/server/sqs_service.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>
#include <vector>

#include "common/async.h"
#include "common/log.h"
#include "queues/stored_message.h"
#include "sqs/protocol/action_schema.h"
#include "sqs/protocol/md5.h"
#include "sqs/protocol/response.h"
#include "sqs/protocol/validation.h"

namespace sluice::sqs::server {

using protocol::ErrorCode;
using protocol::HttpReply;
using protocol::make_error;
using protocol::MessageAttributeMap;
using protocol::Params;
using protocol::SqsRequest;
using protocol::StringMap;
using protocol::Value;

namespace {

// Runs `work` on `pool` and resumes with its result on the caller's executor.
template <typename T>
asio::awaitable<T> on_pool(asio::thread_pool& pool, std::function<T()> work) {
  auto result = std::make_shared<std::optional<T>>();
  std::function<void()> job = [result, work = std::move(work)] { result->emplace(work()); };
  std::vector<std::function<void()>> jobs;
  jobs.push_back(std::move(job));
  co_await run_blocking(pool, std::move(jobs));
  co_return std::move(**result);
}

// The queue a URL (or a request path) names: its last non-empty path segment.
// Starts `start` on `pool` (it writes: disk work) and resumes on the caller's executor once
// `start`'s callback has run, which the write's durability decides; no thread waits for it.
template <typename T>
asio::awaitable<T> start_on_pool(asio::thread_pool& pool,
                                 std::function<void(std::function<void(T)>)> start) {
  // Named, not a temporary in the co_await expression: GCC 12 destroys such temporaries twice.
  std::function<void(std::function<void(T)>)> on_pool =
      [&pool, start = std::move(start)](std::function<void(T)> done) {
        asio::post(pool, [start, done = std::move(done)]() mutable { start(std::move(done)); });
      };
  co_return co_await await_callback<T>(on_pool);
}

std::string queue_name_from_url(std::string_view url) {
  if (const size_t query = url.find('?'); query != std::string_view::npos) {
    url = url.substr(0, query);
  }
  if (const size_t scheme = url.find("://"); scheme != std::string_view::npos) {
    url = url.substr(scheme + 3);
    const size_t slash = url.find('/');
    url = slash == std::string_view::npos ? std::string_view() : url.substr(slash);
  }
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  const size_t slash = url.rfind('/');
  return std::string(slash == std::string_view::npos ? url : url.substr(slash + 1));
}

Result<std::shared_ptr<queues::Queue>> find_queue(queues::QueueManager& manager,
                                                  const SqsRequest& request) {
  const auto url = request.queue_url();
  if (!url) return protocol::missing_parameter("QueueUrl");
  const std::string name = queue_name_from_url(*url);
  if (name.empty()) {
    return protocol::queue_does_not_exist();
  }
  return manager.get_queue(name);
}

Status required(const Params& params, std::string_view name) {
  if (params.has(name)) return Status::ok();
  return protocol::missing_parameter(name);
}

// The model's name for one entry of a batch action: "SendMessageBatchRequestEntry".
std::string batch_entry_name(std::string_view action) {
  return std::string(action) + "RequestEntry";
}

// A failed batch entry: <BatchResultErrorEntry><Id/><SenderFault/><Code/><Message/>.
Value failed_entry(const std::string& id, const Status& status) {
  const protocol::SqsError error = protocol::error_from_status(status);
  const protocol::ErrorInfo& info = protocol::error_info(error.code);
  Value entry = Value::structure();
  entry.set("Id", Value::string(id))
      .set("SenderFault", Value::boolean(info.sender_fault))
      .set("Code", Value::string(std::string(info.query_code)))
      .set("Message", Value::string(error.message));
  return entry;
}

Value batch_result(Value successful, Value failed) {
  Value result = Value::structure();
  result.set("Successful", std::move(successful)).set("Failed", std::move(failed));
  return result;
}

// An entry's refusal as SQS words it inside a DeleteMessageBatch or
// ChangeMessageVisibilityBatch answer, where some errors read differently than alone.
Status in_batch_form(Status status, const Params& entry, bool is_delete) {
  if (status.is_ok()) return status;
  const protocol::SqsError error = protocol::error_from_status(status);
  const std::string handle = entry.string_param("ReceiptHandle").value_or("");
  if (error.code == ErrorCode::kReceiptHandleIsInvalid &&
      error == protocol::error_from_status(protocol::invalid_receipt_handle(handle))) {
    return make_error(ErrorCode::kReceiptHandleIsInvalid,
                      protocol::invalid_receipt_handle_in_batch(handle));
  }
  if (is_delete && error.code == ErrorCode::kInvalidParameterValue) {
    // An expired FIFO handle: InvalidParameterValue to DeleteMessage, but SQS reports
    // it as ReceiptHandleIsInvalid in a batch entry (seen in smaskalik/sqsmover#54).
    return make_error(ErrorCode::kReceiptHandleIsInvalid, "The receipt handle has expired");
  }
  return status;
}

// The answer to DeleteMessageBatch or ChangeMessageVisibilityBatch from each entry's
// outcome.
Value batch_entries_result(const std::vector<Params>& entries, std::vector<Status> statuses,
                           bool is_delete) {
  Value successful = Value::list();
  Value failed = Value::list();
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string id = *entries[i].string_param("Id");
    const Status status = in_batch_form(std::move(statuses[i]), entries[i], is_delete);
    if (!status.is_ok()) {
      failed.push(failed_entry(id, status));
      continue;
    }
    Value ok = Value::structure();
    ok.set("Id", Value::string(id));
    successful.push(std::move(ok));
  }
  return batch_result(std::move(successful), std::move(failed));
}

queues::SendRequest to_send_request(const Params& params) {
  queues::SendRequest send;
  send.body = params.string_param("MessageBody").value_or("");
  send.attributes = params.message_attributes();
  send.system_attributes = params.message_system_attributes();
  send.delay_seconds = params.int_param("DelaySeconds");
  send.group_id = params.string_param("MessageGroupId");
  send.dedup_id = params.string_param("MessageDeduplicationId");
  return send;
}

void add_send_result(Value& value, const queues::SendResult& sent) {
  value.set("MessageId", Value::string(sent.message_id))
      .set("MD5OfMessageBody", Value::string(sent.md5_of_body));
  if (!sent.md5_of_attributes.empty()) {
    value.set("MD5OfMessageAttributes", Value::string(sent.md5_of_attributes));
  }
  if (!sent.md5_of_system_attributes.empty()) {
    value.set("MD5OfMessageSystemAttributes", Value::string(sent.md5_of_system_attributes));
  }
  if (!sent.sequence_number.empty()) {
    value.set("SequenceNumber", Value::string(sent.sequence_number));
  }
}

// ReceiveMessage's AttributeNames and MessageSystemAttributeNames: "All" or names.
StringMap filter_system_attributes(const StringMap& all, const SqsRequest& request) {
  std::vector<std::string> names = request.string_list("AttributeNames");
  const auto& more = request.string_list("MessageSystemAttributeNames");
  names.insert(names.end(), more.begin(), more.end());
  if (std::find(names.begin(), names.end(), "All") != names.end()) return all;
  StringMap chosen;
  for (const std::string& name : names) {
    if (auto it = all.find(name); it != all.end()) chosen.insert(*it);
  }
  return chosen;
}

// MessageAttributeNames: "All", ".*" or "*" for every attribute, "prefix.*" for those whose
// names start with "prefix" (SQS returns both "Hello" and "Help.Me" for "Hel.*"), else exact
// names.
MessageAttributeMap filter_message_attributes(const MessageAttributeMap& all,
                                              const std::vector<std::string>& names) {
  MessageAttributeMap chosen;
  for (const auto& [name, value] : all) {
    for (const std::string& wanted : names) {
      bool match = wanted == "All" || wanted == ".*" || wanted == "*" || wanted == name;
      if (!match && wanted.size() > 2 && wanted.ends_with(".*")) {
        match = name.starts_with(std::string_view(wanted).substr(0, wanted.size() - 2));
      }
      if (match) {
        chosen.emplace(name, value);
        break;
      }
    }
  }
  return chosen;
}

Value message_value(const queues::ReceivedMessage& message, const SqsRequest& request) {
  Value value = Value::structure();
  value.set("MessageId", Value::string(message.message_id))
      .set("ReceiptHandle", Value::string(message.receipt_handle))
      .set("MD5OfBody", Value::string(message.md5_of_body))
      .set("Body", Value::string(message.body));
  const StringMap system = filter_system_attributes(message.system_attributes, request);
  if (!system.empty()) value.set("Attributes", Value::string_map(system));
  const MessageAttributeMap attributes =
      filter_message_attributes(message.attributes, request.string_list("MessageAttributeNames"));
  if (!attributes.empty()) {
    value.set("MD5OfMessageAttributes",
              Value::string(protocol::md5_of_message_attributes(attributes)));
    value.set("MessageAttributes", Value::message_attribute_map(attributes));
  }
  return value;
}

int64_t parse_int_or(const std::string& text, int64_t fallback) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() ? value : fallback;
}

// One ListMessageMoveTasksResultEntry. The handle is listed only while the task runs.
Value move_task_value(const queues::MoveTaskInfo& task) {
  Value value = Value::structure();
  if (task.status == queues::MoveTaskStatus::kRunning) {
    value.set("TaskHandle", Value::string(task.handle));
  }
  value.set("Status", Value::string(std::string(queues::move_task_status_name(task.status))))
      .set("SourceArn", Value::string(task.source_arn));
  if (task.destination_arn) value.set("DestinationArn", Value::string(*task.destination_arn));
  if (task.max_per_second) {
    value.set("MaxNumberOfMessagesPerSecond", Value::integer(*task.max_per_second));
  }
  value.set("ApproximateNumberOfMessagesMoved", Value::integer(task.moved))
      .set("ApproximateNumberOfMessagesToMove", Value::integer(task.to_move));
  if (task.status == queues::MoveTaskStatus::kFailed) {
    value.set("FailureReason", Value::string(task.failure_reason));
  }
  value.set("StartedTimestamp", Value::integer(task.started_ms));
  return value;
}

// Unsubscribes a long poll's wake-up when the poll iteration (or the coroutine) ends.
class Subscription {
 public:
  Subscription(std::shared_ptr<queues::Queue> queue, std::function<void()> wake)
      : queue_(std::move(queue)), id_(queue_->subscribe(std::move(wake))) {}
  ~Subscription() { queue_->unsubscribe(id_); }
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

 private:
  std::shared_ptr<queues::Queue> queue_;
  uint64_t id_;
};

// AddPermission's ActionName.N, as SQS checks them: at most 7 (OverLimit), none of the actions
// only the queue's owner may call (the SQS Developer Guide's list), each an SQS action or "*".
Status check_permission_actions(const std::vector<std::string>& actions) {
  constexpr size_t kMaxActions = 7;
  if (actions.size() > kMaxActions) {
    return make_error(ErrorCode::kOverLimit, std::to_string(actions.size()) +
                                                 " Actions were found, maximum allowed is 7.");
  }
  constexpr std::array<std::string_view, 12> kOwnerOnly = {"AddPermission",
                                                           "CancelMessageMoveTask",
                                                           "CreateQueue",
                                                           "DeleteQueue",
                                                           "ListMessageMoveTasks",
                                                           "ListQueues",
                                                           "ListQueueTags",
                                                           "RemovePermission",
                                                           "SetQueueAttributes",
                                                           "StartMessageMoveTask",
                                                           "TagQueue",
                                                           "UntagQueue"};
  for (const std::string& action : actions) {
    const std::string prefix = "Value SQS:" + action + " for parameter ActionName is invalid. ";
    if (std::find(kOwnerOnly.begin(), kOwnerOnly.end(), action) != kOwnerOnly.end()) {
      return make_error(ErrorCode::kInvalidParameterValue,
                        prefix + "Reason: Only the queue owner is allowed to invoke this action.");
    }
    if (action != "*" && protocol::find_action_schema(action) == nullptr) {
      return make_error(
          ErrorCode::kInvalidParameterValue,
          prefix + "Reason: Please refer to the appropriate WSDL for a list of valid actions.");
    }
  }
  return Status::ok();
}

// AddPermission and RemovePermission only edit the queue's Policy document (no IAM here):
// one statement per label, as SQS writes them.
Result<std::string> add_permission(const std::string& policy_text, const queues::Queue& queue,
                                   const SqsRequest& request) {
  const std::string label = *request.string_param("Label");
  const bool label_ok =
      !label.empty() && label.size() <= 80 && std::all_of(label.begin(), label.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
      });
  if (!label_ok) {
    return make_error(ErrorCode::kInvalidParameterValue,
                      "Label must be 1-80 characters of alphanumerics, hyphens and underscores");
  }
  nlohmann::json policy = nlohmann::json::parse(policy_text, nullptr, false);
  if (policy_text.empty() || policy.is_discarded() || !policy.is_object()) {
    policy = {{"Version", "2012-10-17"},
              {"Id", queue.arn() + "/SQSDefaultPolicy"},
              {"Statement", nlohmann::json::array()}};
  }
  if (!policy["Statement"].is_array()) policy["Statement"] = nlohmann::json::array();
  for (const auto& statement : policy["Statement"]) {
    if (statement.is_object() && statement.value("Sid", "") == label) {
      return make_error(
          ErrorCode::kInvalidParameterValue,
          "Value " + label + " for parameter Label is invalid. Reason: Already exists.");
    }
  }
  nlohmann::json principals = nlohmann::json::array();
  for (const std::string& account : request.string_list("AWSAccountIds")) {
    principals.push_back("arn:aws:iam::" + account + ":root");
  }
  nlohmann::json actions = nlohmann::json::array();
  const auto& action_names = request.string_list("Actions");
  SLUICE_RETURN_IF_ERROR(check_permission_actions(action_names));
  for (const std::string& action : action_names) actions.push_back("SQS:" + action);
  if (principals.empty() || actions.empty()) {
    return make_error(ErrorCode::kMissingParameter, "AWSAccountIds and Actions are required");
  }
  policy["Statement"].push_back({{"Sid", label},
                                 {"Effect", "Allow"},
                                 {"Principal", {{"AWS", principals}}},
                                 {"Action", actions},
                                 {"Resource", queue.arn()}});
  return policy.dump();
}

Result<std::string> remove_permission(const std::string& policy_text, const std::string& label) {
  nlohmann::json policy = nlohmann::json::parse(policy_text, nullptr, false);
  const auto missing = [&] {
    return make_error(
        ErrorCode::kInvalidParameterValue,
        "Value " + label + " for parameter Label is invalid. Reason: can't find label.");
  };
  if (policy_text.empty() || policy.is_discarded() || !policy.is_object() ||
      !policy["Statement"].is_array()) {
    return missing();
  }
  auto& statements = policy["Statement"];
  const auto before = statements.size();
  for (auto it = statements.begin(); it != statements.end();) {
    if (it->is_object() && it->value("Sid", "") == label) {
      it = statements.erase(it);
    } else {
      ++it;
    }
  }
  if (statements.size() == before) return missing();
  // Without statements the Policy goes (an empty value removes it), as SQS leaves no policy
  // behind once its last permission is removed.
  return statements.empty() ? std::string() : policy.dump();
}

}  // namespace

SqsService::SqsService(queues::QueueManager& queues, asio::thread_pool& blocking_pool,
                       SqsServiceOptions options)
    : queues_(queues),
      blocking_pool_(blocking_pool),
      options_(std::move(options)),
      move_tasks_(queues) {
  for (const auto& schema : protocol::all_action_schemas()) {
    const std::string action(schema.action);
    latency_[action] = &metrics::default_registry().histogram(
        "sluice_sqs_request_duration_seconds",
        "Time from an SQS request's arrival to its response, per action", {{"api", action}});
  }
}

std::string SqsService::queue_url(const std::string& name, const std::string& host) const {
  std::string authority = options_.advertised_host;
  if (authority.empty()) authority = host.empty() ? options_.fallback_host : host;
  return "http://" + authority + "/" + options_.account_id + "/" + name;
}

asio::awaitable<HttpReply> SqsService::handle(protocol::HttpRequestView http, std::string host) {
  const std::string request_id = queues::new_message_id();
  auto parsed = protocol::parse_request(http);
  if (!parsed.is_ok()) {
    co_return protocol::render_error(protocol::detect_protocol(http),
                                     protocol::error_from_status(parsed.status()), request_id);
  }
  const SqsRequest& request = *parsed;
  const auto started = std::chrono::steady_clock::now();
  auto result = co_await execute(request, host);
  if (auto histogram = latency_.find(request.action); histogram != latency_.end()) {
    histogram->second->observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  if (!result.is_ok()) {
    const protocol::SqsError error = protocol::error_from_status(result.status());
    if (error.code == ErrorCode::kInternalError || error.code == ErrorCode::kServiceUnavailable) {
      log::get("sqs")->error("action={} failed error=\"{}\"", request.action,
                             result.status().to_string());
    }
    co_return protocol::render_error(request.protocol, error, request_id);
  }
  co_return protocol::render_response(request.protocol, request.action, *result, request_id);
}

asio::awaitable<Result<Value>> SqsService::blocking(std::function<Result<Value>()> work) {
  co_return co_await on_pool<Result<Value>>(blocking_pool_, std::move(work));
}

asio::awaitable<Result<Value>> SqsService::execute(const SqsRequest& request,
                                                   const std::string& host) {
  const std::string& action = request.action;
  queues::QueueManager& manager = queues_;
  if (action == "ReceiveMessage") co_return co_await receive_message(request);
  if (action == "SendMessage" || action == "SendMessageBatch") {
    co_return co_await send_messages(request);
  }
  if (action == "DeleteMessage" || action == "DeleteMessageBatch") {
    co_return co_await delete_messages(request);
  }

  std::function<Result<Value>()> work;
  if (action == "CreateQueue") {
    work = [&]() -> Result<Value> {
      SLUICE_RETURN_IF_ERROR(required(request, "QueueName"));
      const std::string name = *request.string_param("QueueName");
      SLUICE_ASSIGN_OR_RETURN(auto queue,
                              manager.create_queue(name, request.attributes(), request.tags()));
      Value result = Value::structure();
      result.set("QueueUrl", Value::string(queue_url(queue->name(), host)));
      return result;
    };
  } else if (action == "GetQueueUrl") {
    work = [&]() -> Result<Value> {
      SLUICE_RETURN_IF_ERROR(required(request, "QueueName"));
      SLUICE_ASSIGN_OR_RETURN(auto queue, manager.get_queue(*request.string_param("QueueName")));
      Value result = Value::structure();
      result.set("QueueUrl", Value::string(queue_url(queue->name(), host)));
      return result;
    };
  } else if (action == "ListQueues") {
    work = [&]() -> Result<Value> {
      SLUICE_ASSIGN_OR_RETURN(
          auto list,
          manager.list_queues(request.string_param("QueueNamePrefix").value_or(""),
                              request.int_param("MaxResults"), request.string_param("NextToken")));
      Value result = Value::structure();
      std::vector<std::string> urls;
      for (const std::string& name : list.names) urls.push_back(queue_url(name, host));
      if (!urls.empty()) result.set("QueueUrls", Value::string_list(urls));
      if (list.next_token) result.set("NextToken", Value::string(*list.next_token));
      return result;
    };
  } else if (action == "DeleteQueue") {
    work = [&]() -> Result<Value> {
      SLUICE_ASSIGN_OR_RETURN(auto queue, find_queue(manager, request));
      SLUICE_RETURN_IF_ERROR(manager.delete_queue(queue->name()));
      return Value::structure();
    };
  } else if (action == "GetQueueAttributes") {
    work = [&]() -> Result<Value> {
      SLUICE_ASSIGN_OR_RETURN(auto queue, find_queue(manager, request));
      const auto& names = request.string_list("AttributeNames");
      SLUICE_RETURN_IF_ERROR(protocol::validate_attribute_names(names));
      Value result = Value::structure();
      if (names.empty()) return result;
      const StringMap attributes = queue->get_attributes(names);
      if (!attributes.empty()) result.set("Attributes", Value::string_map(attributes));
      return result;
    };
  } else if (action == "SetQueueAttributes") {
    work = [&]() -> Result<Value> {
      SLUICE_ASSIGN_OR_RETURN(auto queue, find_queue(manager, request));
      SLUICE_RETURN_IF_ERROR(manager.set_queue_attributes(queue->name(), request.attributes()));
      return Value::structure();
    };
  } else if (action == "ChangeMessageVisibilityBatch") {
    work = [&]() -> Result<Value> {
      SLUICE_ASSIGN_OR_RETURN(auto queue, find_queue(manager, request));
      const auto& entries = request.entries();
      SLUICE_RETURN_IF_ERROR(protocol::validate_batch_entries(entries, batch_entry_name(action)));
      std::vector<Status> statuses;
      for (const Params& entry : entries) {
        Status status = required(entry, "ReceiptHandle");
        if (status.is_ok()) status = required(entry, "VisibilityTimeout");
        if (status.is_ok()) {
          status = queue->change_visibility(*entry.string_param("ReceiptHandle"),
                                            *entry.int_param("VisibilityTimeout"));
        }
        statuses.push_back(std::move(status));
      }
      return batch_entries_result(entries, std::move(statuses), false);
    };
  } else if (action == "ChangeMessageVisibility") {
    work = [&]() -> Result<Value> {
      SLUICE_ASSIGN_OR_RETURN(auto queue, find_queue(manager, request));
      SLUICE_RETURN_IF_ERROR(required(request, "ReceiptHandle"));
      SLUICE_RETURN_IF_ERROR(required(request, "VisibilityTimeout"));
      SLUICE_RETURN_IF_ERROR(queue->change_visibility(*request.string_param("ReceiptHandle"),
                                                      *request.int_param("VisibilityTimeout")));
      return Value::structure();
    };
  } else if (action == "PurgeQueue") {
    work = [&]() -> Result<Value> {
      SLUICE_ASSIGN_OR_RETURN(auto queue, find_queue(manager, request));
      SLUICE_RETURN_IF_ERROR(queue->purge());
      return Value::structure();
    };
  } else if (action == "TagQueue") {
    work = [&]() -> Result<Value> {
      SLUICE_ASSIGN_OR_RETURN(auto queue, find_queue(manager, request));
      SLUICE_RETURN_IF_ERROR(queue->tag(request.tags()));
      return Value::structure();
    };
  } else if (action == "UntagQueue") {
    work = [&]() -> Result<Value> {
      SLUICE_ASSIGN_OR_RETURN(auto queue, find_queue(manager, request));
      const auto& keys = request.string_list("TagKeys");
      if (keys.empty()) {
        return make_error(ErrorCode::kInvalidParameterValue,
                          "Tag keys must be between 1 and 128 characters in length.");
      }
      SLUICE_RETURN_IF_ERROR(queue->untag(keys));
      return Value::structure();
    };
  } else if (action == "ListQueueTags") {
    work = [&]() -> Result<Value> {
      SLUICE_ASSIGN_OR_RETURN(auto queue, find_queue(manager, request));
      Value result = Value::structure();
      const StringMap tags = queue->tags();
      if (!tags.empty()) result.set("Tags", Value::string_map(tags));
      return result;
    };
  } else if (action == "ListDeadLetterSourceQueues") {
    work = [&]() -> Result<Value> {
      SLUICE_ASSIGN_OR_RETURN(auto queue, find_queue(manager, request));
      SLUICE_ASSIGN_OR_RETURN(auto names, manager.dead_letter_source_queues(queue->name()));
      std::sort(names.begin(), names.end());
      // Pages by name: NextToken is the last name of the previous page.
      const auto max_results = request.int_param("MaxResults");
      if (max_results) {
        SLUICE_RETURN_IF_ERROR(protocol::validate_range("MaxResults", *max_results, 1, 1000));
      }
      const std::string after = request.string_param("NextToken").value_or("");
      std::vector<std::string> urls;
      std::optional<std::string> next;
      for (const std::string& name : names) {
        if (!after.empty() && name <= after) continue;
        if (max_results && static_cast<int64_t>(urls.size()) == *max_results) {
          next = queue_name_from_url(urls.back());
          break;
        }
        urls.push_back(queue_url(name, host));
      }
      Value result = Value::structure();
      result.set("queueUrls", Value::string_list(urls));
      if (next) result.set("NextToken", Value::string(*next));
      return result;
    };
  } else if (action == "AddPermission" || action == "RemovePermission") {
    const bool add = action == "AddPermission";
    work = [&, add]() -> Result<Value> {
      SLUICE_ASSIGN_OR_RETURN(auto queue, find_queue(manager, request));
      // One read-modify-write of the Policy at a time.
      std::lock_guard lock(permissions_mu_);
      const std::string current = queue->attributes().value("Policy");
      SLUICE_ASSIGN_OR_RETURN(auto updated,
                              add ? add_permission(current, *queue, request)
                                  : remove_permission(current, *request.string_param("Label")));
      SLUICE_RETURN_IF_ERROR(manager.set_queue_attributes(queue->name(), {{"Policy", updated}}));
      return Value::structure();
    };
  } else if (action == "StartMessageMoveTask") {
    work = [&]() -> Result<Value> {
      queues::MoveTaskRequest start;
      start.source_arn = *request.string_param("SourceArn");
      start.destination_arn = request.string_param("DestinationArn");
      start.max_per_second = request.int_param("MaxNumberOfMessagesPerSecond");
      SLUICE_ASSIGN_OR_RETURN(auto handle, move_tasks_.start(start));
      Value result = Value::structure();
      result.set("TaskHandle", Value::string(handle));
      return result;
    };
  } else if (action == "CancelMessageMoveTask") {
    work = [&]() -> Result<Value> {
      SLUICE_ASSIGN_OR_RETURN(auto moved, move_tasks_.cancel(*request.string_param("TaskHandle")));
      Value result = Value::structure();
      result.set("ApproximateNumberOfMessagesMoved", Value::integer(moved));
      return result;
    };
  } else if (action == "ListMessageMoveTasks") {
    work = [&]() -> Result<Value> {
      SLUICE_ASSIGN_OR_RETURN(auto tasks,
                              move_tasks_.list(*request.string_param("SourceArn"),
                                               request.int_param("MaxResults").value_or(1)));
      Value results = Value::list();
      for (const queues::MoveTaskInfo& task : tasks) results.push(move_task_value(task));
      Value result = Value::structure();
      result.set("Results", std::move(results));
      return result;
    };
  } else {
    // parse_request rejects actions the model does not have.
    co_return make_error(ErrorCode::kInvalidAction,
                         "The action " + action + " is not supported by this server.");
  }
  co_return co_await blocking(std::move(work));
}

asio::awaitable<Result<Value>> SqsService::send_messages(const SqsRequest& request) {
  // Held here until the send's callback has run: the queue must outlive it.
  auto found = find_queue(queues_, request);
  if (!found.is_ok()) co_return found.status();
  std::shared_ptr<queues::Queue> queue = *found;
  const bool batch = request.action == "SendMessageBatch";
  std::vector<queues::SendRequest> sends;
  // Entries that fail the front end's checks are answered without reaching the queue.
  std::vector<size_t> sent_index;
  Value failed = Value::list();
  if (batch) {
    const auto& entries = request.entries();
    if (Status status = protocol::validate_batch_entries(entries, batch_entry_name(request.action));
        !status.is_ok()) {
      co_return status;
    }
    std::vector<queues::SendRequest> all;
    for (const Params& entry : entries) all.push_back(to_send_request(entry));
    if (Status status = queue->check_fifo_batch(all); !status.is_ok()) co_return status;
    for (size_t i = 0; i < entries.size(); ++i) {
      Status status = required(entries[i], "MessageBody");
      if (status.is_ok()) status = protocol::validate_delay_seconds(entries[i]);
      if (!status.is_ok()) {
        failed.push(failed_entry(*entries[i].string_param("Id"), status));
        continue;
      }
      sends.push_back(std::move(all[i]));
      sent_index.push_back(i);
    }
    if (Status status = queues::Queue::check_batch_size(sends); !status.is_ok()) co_return status;
  } else {
    if (Status status = required(request, "MessageBody"); !status.is_ok()) co_return status;
    if (Status status = protocol::validate_delay_seconds(request); !status.is_ok()) {
      co_return status;
    }
    sends.push_back(to_send_request(request));
  }
  std::vector<Result<queues::SendResult>> results;
  if (!sends.empty()) {
    // Named, not a temporary in the co_await expression: GCC 12 destroys such temporaries
    // twice.
    std::function<void(std::function<void(std::vector<Result<queues::SendResult>>)>)> send =
        [queue, &sends](std::function<void(std::vector<Result<queues::SendResult>>)> done) {
          queue->send_async(sends, std::move(done));
        };
    results = co_await start_on_pool<std::vector<Result<queues::SendResult>>>(blocking_pool_, send);
  }
  if (!batch) {
    if (!results.front().is_ok()) co_return results.front().status();
    Value result = Value::structure();
    add_send_result(result, *results.front());
    co_return result;
  }
  Value successful = Value::list();
  for (size_t j = 0; j < results.size(); ++j) {
    const std::string id = *request.entries()[sent_index[j]].string_param("Id");
    if (!results[j].is_ok()) {
      failed.push(failed_entry(id, results[j].status()));
      continue;
    }
    Value entry = Value::structure();
    entry.set("Id", Value::string(id));
    add_send_result(entry, *results[j]);
    successful.push(std::move(entry));
  }
  co_return batch_result(std::move(successful), std::move(failed));
}

asio::awaitable<Result<Value>> SqsService::delete_messages(const SqsRequest& request) {
  auto found = find_queue(queues_, request);
  if (!found.is_ok()) co_return found.status();
  std::shared_ptr<queues::Queue> queue = *found;
  const bool batch = request.action == "DeleteMessageBatch";
  std::vector<Status> statuses;
  std::vector<std::string> handles;
  if (batch) {
    const auto& entries = request.entries();
    if (Status status = protocol::validate_batch_entries(entries, batch_entry_name(request.action));
        !status.is_ok()) {
      co_return status;
    }
    for (const Params& entry : entries) {
      Status status = required(entry, "ReceiptHandle");
      if (status.is_ok()) handles.push_back(*entry.string_param("ReceiptHandle"));
      statuses.push_back(std::move(status));
    }
  } else {
    if (Status status = required(request, "ReceiptHandle"); !status.is_ok()) co_return status;
    handles.push_back(*request.string_param("ReceiptHandle"));
    statuses.emplace_back();
  }
  // The deletes are made durable together, by one write.
  std::function<void(std::function<void(std::vector<Status>)>)> remove =
      [queue, &handles](std::function<void(std::vector<Status>)> done) {
        queue->delete_async(std::vector<std::string_view>(handles.begin(), handles.end()),
                            std::move(done));
      };
  std::vector<Status> deleted = co_await start_on_pool<std::vector<Status>>(blocking_pool_, remove);
  asio::post(blocking_pool_, [queue] { queue->upkeep(); });
  auto next = deleted.begin();
  for (Status& status : statuses) {
    if (status.is_ok()) status = std::move(*next++);
  }
  if (!batch)
    co_return statuses.front().is_ok() ? Result<Value>(Value::structure())
                                       : Result<Value>(statuses.front());
  co_return batch_entries_result(request.entries(), std::move(statuses), true);
}

asio::awaitable<Result<Value>> SqsService::receive_message(const SqsRequest& request) {
  if (Status status = protocol::validate_receive_message(request); !status.is_ok()) {
    co_return status;
  }
  auto found = find_queue(queues_, request);
  if (!found.is_ok()) co_return found.status();
  std::shared_ptr<queues::Queue> queue = *found;

  queues::ReceiveRequest receive;
  receive.max_messages = static_cast<int>(request.int_param("MaxNumberOfMessages").value_or(1));
  receive.visibility_timeout_s = request.int_param("VisibilityTimeout");
  receive.attempt_id = request.string_param("ReceiveRequestAttemptId");
  int64_t wait_s = 0;
  if (auto given = request.int_param("WaitTimeSeconds")) {
    wait_s = *given;
  } else {
    wait_s = parse_int_or(queue->attributes().value("ReceiveMessageWaitTimeSeconds"), 0);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);

  auto executor = co_await asio::this_coro::executor;
  struct Waiter {
    explicit Waiter(asio::any_io_executor ex) : timer(std::move(ex)) {}
    asio::steady_timer timer;
    bool woken = false;  // set on the executor, so a wake-up during the receive is not lost
  };
  auto waiter = std::make_shared<Waiter>(executor);
  std::function<void()> wake = [waiter, executor] {
    asio::post(executor, [waiter] {
      waiter->woken = true;
      waiter->timer.cancel();
    });
  };
  // Runs on the pool (the receive writes its state records) and completes once they are
  // durable; the upkeep it leaves (space reclaim, a checkpoint when due) runs after.
  std::function<void(std::function<void(Result<std::vector<queues::ReceivedMessage>>)>)> take =
      [queue, receive](std::function<void(Result<std::vector<queues::ReceivedMessage>>)> done) {
        queue->receive_async(receive, std::move(done));
      };
  while (true) {
    waiter->woken = false;
    // Subscribe before receiving, so that a send landing in between still wakes us.
    Subscription subscription(queue, wake);
    auto received =
        co_await start_on_pool<Result<std::vector<queues::ReceivedMessage>>>(blocking_pool_, take);
    if (!received.is_ok()) co_return received.status();
    if (!received->empty()) asio::post(blocking_pool_, [queue] { queue->upkeep(); });
    const auto now = std::chrono::steady_clock::now();
    if (!received->empty() || now >= deadline) {
      Value result = Value::structure();
      if (!received->empty()) {
        Value messages = Value::list();
        for (const auto& message : *received) messages.push(message_value(message, request));
        result.set("Messages", std::move(messages));
      }
      co_return result;
    }
    if (waiter->woken) continue;
    auto until = deadline;
    if (auto next = queue->next_visible_at()) {
      // At least a few milliseconds: a message due now that the receive could not take
      // (its FIFO group is busy) must not turn the poll into a busy loop.
      const int64_t delay_ms = std::max<int64_t>(5, *next - storage::system_clock_ms());
      until = std::min(until, now + std::chrono::milliseconds(delay_ms));
    }
    waiter->timer.expires_at(until);
    boost::system::error_code ec;
    auto token = asio::redirect_error(asio::use_awaitable, ec);
    co_await waiter->timer.async_wait(token);
  }
}

}  // namespace sluice::sqs::server
