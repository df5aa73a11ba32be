#include "queues/queue_attributes.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

#include "sqs/protocol/validation.h"

namespace sluice::queues {
namespace {

struct Default {
  std::string_view name;
  std::string_view value;
  bool fifo_only;
};

// SQS's defaults (Developer Guide; MaximumMessageSize is 1 MiB since August 2025).
constexpr std::array<Default, 9> kDefaults = {{
    {"DelaySeconds", "0", false},
    {"MaximumMessageSize", "1048576", false},
    {"MessageRetentionPeriod", "345600", false},
    {"ReceiveMessageWaitTimeSeconds", "0", false},
    {"VisibilityTimeout", "30", false},
    {"SqsManagedSseEnabled", "false", false},
    {"ContentBasedDeduplication", "false", true},
    {"DeduplicationScope", "queue", true},
    {"FifoThroughputLimit", "perQueue", true},
}};

}  // namespace

void QueueAttributes::set(const StringMap& values) {
  for (const auto& [name, value] : values) {
    if (value.empty() && sqs::protocol::is_removed_when_empty(name)) {
      set_.erase(name);
    } else {
      set_[name] = value;
    }
  }
}

std::string RedrivePolicy::to_json() const {
  const nlohmann::json json = {{"deadLetterTargetArn", dead_letter_target_arn},
                               {"maxReceiveCount", max_receive_count}};
  return json.dump();
}

std::string QueueAttributes::value(const std::string& name) const {
  if (auto it = set_.find(name); it != set_.end()) return it->second;
  const bool is_fifo = set_.count("FifoQueue") != 0 && set_.at("FifoQueue") == "true";
  for (const Default& entry : kDefaults) {
    if (entry.name == name && (is_fifo || !entry.fifo_only)) return std::string(entry.value);
  }
  return "";
}

StringMap QueueAttributes::all() const {
  StringMap out;
  for (const Default& entry : kDefaults) {
    std::string text = value(std::string(entry.name));
    if (!text.empty()) out[std::string(entry.name)] = std::move(text);
  }
  for (const auto& [name, text] : set_) out[name] = text;
  return out;
}

int64_t QueueAttributes::integer(const std::string& name) const {
  const std::string text = value(name);
  int64_t number = 0;
  std::from_chars(text.data(), text.data() + text.size(), number);
  return number;
}

int64_t QueueAttributes::max_delay_seconds() const {
  constexpr int64_t kSqsMaxDelaySeconds = 900;
  if (set_.count("SluiceMaxDelaySeconds") == 0) return kSqsMaxDelaySeconds;
  return std::max(kSqsMaxDelaySeconds,
                  std::min(integer("SluiceMaxDelaySeconds"), retention_seconds()));
}

std::optional<RedrivePolicy> QueueAttributes::redrive_policy() const {
  const std::string text = value("RedrivePolicy");
  if (text.empty()) return std::nullopt;
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_object()) return std::nullopt;
  auto arn = json.find("deadLetterTargetArn");
  auto count = json.find("maxReceiveCount");
  if (arn == json.end() || !arn->is_string() || count == json.end()) return std::nullopt;
  RedrivePolicy policy{arn->get<std::string>(), 0};
  // maxReceiveCount may be a number or a numeric string (CloudFormation sends the latter).
  if (count->is_number_integer()) {
    policy.max_receive_count = count->get<int64_t>();
  } else if (count->is_string()) {
    const std::string digits = count->get<std::string>();
    std::from_chars(digits.data(), digits.data() + digits.size(), policy.max_receive_count);
  }
  if (policy.max_receive_count < 1) return std::nullopt;
  return policy;
}

}  // namespace sluice::queues
