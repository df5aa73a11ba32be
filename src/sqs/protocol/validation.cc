#include "sqs/protocol/validation.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "sqs/protocol/errors.h"

namespace sluice::sqs::protocol {
namespace {

constexpr std::string_view kFifoSuffix = ".fifo";

bool is_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

bool all_name_chars(std::string_view text) {
  return std::all_of(text.begin(), text.end(), is_name_char);
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(text[i]) != lower(prefix[i])) return false;
  }
  return true;
}

// Decodes one UTF-8 sequence at text[*i], advancing *i; returns -1 when it is malformed
// (truncated, overlong, a surrogate, or beyond U+10FFFF).
int32_t next_code_point(std::string_view text, size_t* i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t lead = byte(*i);
  size_t length = 0;
  int32_t code = 0;
  int32_t min = 0;
  if (lead < 0x80) {
    ++*i;
    return lead;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, code = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, code = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, code = lead & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (*i + length > text.size()) return -1;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(*i + k) & 0xC0) != 0x80) return -1;
    code = code << 6 | (byte(*i + k) & 0x3F);
  }
  *i += length;
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return -1;
  return code;
}

bool is_allowed_code_point(int32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

std::optional<int64_t> parse_decimal(std::string_view text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

// A decimal number as SQS's Number type accepts it: sign, digits, optional fraction and
// exponent.
bool is_number_text(std::string_view text) {
  size_t i = 0;
  const auto digits = [&] {
    const size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    return i - start;
  };
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  size_t count = digits();
  if (i < text.size() && text[i] == '.') {
    ++i;
    count += digits();
  }
  if (count == 0) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == text.size();
}

Status invalid(std::string message) {
  return make_error(ErrorCode::kInvalidParameterValue, std::move(message));
}

// SQS's own wordings (as AWS answers them; the character rule's "upper and lower score" is
// AWS's text, kept because clients and tests match on it).
Status validate_attribute_name(const std::string& name) {
  if (name.empty()) return invalid("The request must contain non-empty message attribute name.");
  if (name.size() > kMaxMessageAttributeNameLength) {
    return invalid("Message (user) attribute names must be shorter than 256 Bytes");
  }
  const bool chars_ok =
      std::all_of(name.begin(), name.end(), [](char c) { return is_name_char(c) || c == '.'; });
  if (!chars_ok || name.find("..") != std::string::npos) {
    return invalid(
        "Message (user) attributes name can only contain upper and lower score characters, "
        "digits, periods, hyphens and underscores.");
  }
  if (starts_with_ignoring_case(name, "AWS.") || starts_with_ignoring_case(name, "Amazon.") ||
      name.front() == '.' || name.back() == '.') {
    return invalid(
        "You can't use message attribute names beginning with 'AWS.' or 'Amazon.'. These strings "
        "are reserved for internal use. Additionally, they cannot start or end with '.'.");
  }
  return Status::ok();
}

// "String", "Number" or "Binary", optionally followed by "." and a custom label.
bool is_valid_data_type(std::string_view type) {
  if (type.size() > kMaxMessageAttributeTypeLength) return false;
  for (std::string_view base : {"String", "Number", "Binary"}) {
    if (!type.starts_with(base)) continue;
    const std::string_view custom = type.substr(base.size());
    if (custom.empty()) return true;
    if (custom.size() == 1 || custom[0] != '.') return false;
    return std::all_of(custom.begin() + 1, custom.end(),
                       [](char c) { return is_name_char(c) || c == '.'; });
  }
  return false;
}

Status validate_attribute_value(const std::string& name, const MessageAttributeValue& value) {
  if (!is_valid_data_type(value.data_type)) {
    return invalid("The type of message (user) attribute '" + name +
                   "' is invalid. You must use only the following supported type prefixes: "
                   "Binary, Number, String.");
  }
  if (value.is_binary()) {
    if (!value.binary_value || value.string_value) {
      return invalid("Message (user) attribute '" + name +
                     "' must contain a non-empty value of type 'Binary'.");
    }
    return Status::ok();
  }
  const std::string base_type = value.data_type.starts_with("Number") ? "Number" : "String";
  if (!value.string_value || value.binary_value || value.string_value->empty()) {
    return invalid("Message (user) attribute '" + name +
                   "' must contain a non-empty value of type '" + base_type + "'.");
  }
  if (!is_allowed_message_text(*value.string_value)) {
    return invalid(
        "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to "
        "#xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF");
  }
  if (base_type == "Number" && !is_number_text(*value.string_value)) {
    return invalid("Can't cast the value of message (user) attribute '" + name + "' to a number.");
  }
  return Status::ok();
}

// --- queue attributes ---

enum class AttributeRule {
  kRange,
  kBoolean,
  kEnum,
  kRedrivePolicy,
  kRedriveAllowPolicy,
  kJson,
  kAny
};

struct QueueAttributeRule {
  std::string_view name;
  AttributeRule rule;
  int64_t min = 0;
  int64_t max = 0;
  std::array<std::string_view, 3> choices = {};
  bool fifo_only = false;
};

constexpr std::array kSettableAttributes = {
    QueueAttributeRule{"DelaySeconds", AttributeRule::kRange, 0, 900},
    QueueAttributeRule{"MaximumMessageSize", AttributeRule::kRange, 1024, 1048576},
    QueueAttributeRule{"MessageRetentionPeriod", AttributeRule::kRange, 60, 1209600},
    QueueAttributeRule{"ReceiveMessageWaitTimeSeconds", AttributeRule::kRange, 0, 20},
    QueueAttributeRule{"VisibilityTimeout", AttributeRule::kRange, 0, 43200},
    // Sluice's extension: raises the per-message DelaySeconds limit (see queues/queue.h).
    QueueAttributeRule{"SluiceMaxDelaySeconds", AttributeRule::kRange, 900, kMaxLongDelaySeconds},
    QueueAttributeRule{"KmsDataKeyReusePeriodSeconds", AttributeRule::kRange, 60, 86400},
    QueueAttributeRule{"Policy", AttributeRule::kJson},
    QueueAttributeRule{"RedrivePolicy", AttributeRule::kRedrivePolicy},
    QueueAttributeRule{"RedriveAllowPolicy", AttributeRule::kRedriveAllowPolicy},
    QueueAttributeRule{"KmsMasterKeyId", AttributeRule::kAny},
    QueueAttributeRule{"SqsManagedSseEnabled", AttributeRule::kBoolean},
    QueueAttributeRule{"FifoQueue", AttributeRule::kBoolean},
    QueueAttributeRule{"ContentBasedDeduplication", AttributeRule::kBoolean, 0, 0, {}, true},
    QueueAttributeRule{
        "DeduplicationScope", AttributeRule::kEnum, 0, 0, {"messageGroup", "queue", ""}, true},
    QueueAttributeRule{"FifoThroughputLimit",
                       AttributeRule::kEnum,
                       0,
                       0,
                       {"perQueue", "perMessageGroupId", ""},
                       true},
};

// Attributes GetQueueAttributes reports but no one sets.
constexpr std::array<std::string_view, 6> kReadOnlyAttributes = {
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn"};

Status bad_value(std::string_view name, std::string_view why) {
  return make_error(
      ErrorCode::kInvalidAttributeValue,
      "invalid value for the parameter " + std::string(name) + ": " + std::string(why));
}

// maxReceiveCount may be a JSON number or a numeric string (CloudFormation sends the latter).
std::optional<int64_t> json_integer(const nlohmann::json& value) {
  if (value.is_number_integer()) {
    if (value.is_number_unsigned() && value.get<uint64_t>() > INT64_MAX) return std::nullopt;
    return value.get<int64_t>();
  }
  if (value.is_string()) return parse_decimal(value.get<std::string>());
  return std::nullopt;
}

Status validate_redrive_policy(std::string_view text) {
  const auto policy = nlohmann::json::parse(text, nullptr, false);
  if (!policy.is_object()) return bad_value("RedrivePolicy", "not a JSON object");
  auto arn = policy.find("deadLetterTargetArn");
  if (arn == policy.end() || !arn->is_string() || arn->get<std::string>().empty()) {
    return bad_value("RedrivePolicy", "deadLetterTargetArn must be a queue ARN");
  }
  auto count = policy.find("maxReceiveCount");
  const auto number = count == policy.end() ? std::nullopt : json_integer(*count);
  if (!number || *number < 1 || *number > 1000) {
    return bad_value("RedrivePolicy", "maxReceiveCount must be 1 to 1000");
  }
  return Status::ok();
}

Status validate_redrive_allow_policy(std::string_view text) {
  const auto policy = nlohmann::json::parse(text, nullptr, false);
  if (!policy.is_object()) return bad_value("RedriveAllowPolicy", "not a JSON object");
  auto permission = policy.find("redrivePermission");
  if (permission == policy.end() || !permission->is_string()) {
    return bad_value("RedriveAllowPolicy", "redrivePermission is required");
  }
  const std::string mode = permission->get<std::string>();
  if (mode != "allowAll" && mode != "denyAll" && mode != "byQueue") {
    return bad_value("RedriveAllowPolicy",
                     "redrivePermission must be allowAll, denyAll or byQueue");
  }
  auto sources = policy.find("sourceQueueArns");
  const bool has_sources = sources != policy.end();
  if (has_sources && (!sources->is_array() || sources->size() > 10 ||
                      !std::all_of(sources->begin(), sources->end(),
                                   [](const nlohmann::json& arn) { return arn.is_string(); }))) {
    return bad_value("RedriveAllowPolicy", "sourceQueueArns must be a list of up to 10 ARNs");
  }
  if ((mode == "byQueue") != (has_sources && !sources->empty())) {
    return bad_value("RedriveAllowPolicy", "sourceQueueArns goes with byQueue, and only with it");
  }
  return Status::ok();
}

Status check_rule(const QueueAttributeRule& rule, std::string_view value) {
  switch (rule.rule) {
    case AttributeRule::kRange: {
      const auto number = parse_decimal(value);
      if (!number || *number < rule.min || *number > rule.max) {
        return bad_value(rule.name, "must be an integer from " + std::to_string(rule.min) + " to " +
                                        std::to_string(rule.max));
      }
      return Status::ok();
    }
    case AttributeRule::kBoolean:
      if (value != "true" && value != "false") return bad_value(rule.name, "must be true or false");
      return Status::ok();
    case AttributeRule::kEnum:
      for (std::string_view choice : rule.choices) {
        if (!choice.empty() && choice == value) return Status::ok();
      }
      return bad_value(rule.name, std::string(value) + " is not an accepted value");
    case AttributeRule::kRedrivePolicy:
      return validate_redrive_policy(value);
    case AttributeRule::kRedriveAllowPolicy:
      return validate_redrive_allow_policy(value);
    case AttributeRule::kJson:
      if (nlohmann::json::parse(value, nullptr, false).is_discarded()) {
        return bad_value(rule.name, "not a JSON document");
      }
      return Status::ok();
    case AttributeRule::kAny:
      return Status::ok();
  }
  return Status::ok();
}

Status unknown_attribute(std::string_view name) {
  return make_error(ErrorCode::kInvalidAttributeName,
                    "Unknown Attribute " + std::string(name) + ".");
}

}  // namespace

Status validate_queue_name(std::string_view name, bool fifo) {
  if (fifo) {
    const std::string_view base = name.substr(0, name.size() - kFifoSuffix.size());
    if (!name.ends_with(kFifoSuffix) || base.empty() || name.size() > kMaxQueueNameLength ||
        !all_name_chars(base)) {
      return invalid(
          "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
          "underscores, must end with .fifo suffix and be 1 to 80 in length.");
    }
    return Status::ok();
  }
  if (name.empty() || name.size() > kMaxQueueNameLength || !all_name_chars(name)) {
    return invalid(
        "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
  }
  return Status::ok();
}

bool is_allowed_message_text(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    if (!is_allowed_code_point(next_code_point(text, &i))) return false;
  }
  return true;
}

Status validate_message_body(std::string_view body) {
  if (body.empty()) {
    return missing_parameter("MessageBody");
  }
  if (!is_allowed_message_text(body)) {
    return make_error(ErrorCode::kInvalidMessageContents,
                      "invalid binary character in the message body");
  }
  return Status::ok();
}

size_t message_size(std::string_view body, const MessageAttributeMap& attributes) {
  size_t size = body.size();
  for (const auto& [name, value] : attributes) {
    size += name.size() + value.data_type.size();
    size += value.string_value ? value.string_value->size() : 0;
    size += value.binary_value ? value.binary_value->size() : 0;
  }
  return size;
}

Status validate_message_attributes(const MessageAttributeMap& attributes) {
  if (attributes.size() > kMaxMessageAttributes) {
    return invalid("Number of message attributes [" + std::to_string(attributes.size()) +
                   "] exceeds the allowed maximum [10].");
  }
  for (const auto& [name, value] : attributes) {
    SLUICE_RETURN_IF_ERROR(validate_attribute_name(name));
    SLUICE_RETURN_IF_ERROR(validate_attribute_value(name, value));
  }
  return Status::ok();
}

Status validate_message_system_attributes(const MessageAttributeMap& attributes) {
  for (const auto& [name, value] : attributes) {
    if (name != "AWSTraceHeader") {
      return invalid("message system attribute " + name + " is not supported");
    }
    if (value.data_type != "String" || !value.string_value || value.binary_value) {
      return invalid("message system attribute AWSTraceHeader must be a String");
    }
  }
  return Status::ok();
}

Status validate_batch_entries(std::span<const Params> entries, std::string_view entry_name) {
  if (entries.empty()) {
    return make_error(
        ErrorCode::kEmptyBatchRequest,
        "There should be at least one " + std::string(entry_name) + " in the request.");
  }
  if (entries.size() > kMaxBatchEntries) {
    return make_error(ErrorCode::kTooManyEntriesInBatchRequest,
                      "Maximum number of entries per request are 10. You have sent " +
                          std::to_string(entries.size()) + ".");
  }
  std::set<std::string> ids;
  for (const Params& entry : entries) {
    const std::string id = entry.string_param("Id").value_or("");
    if (id.empty() || id.size() > kMaxBatchEntryIdLength || !all_name_chars(id)) {
      return make_error(ErrorCode::kInvalidBatchEntryId,
                        "A batch entry id can only contain alphanumeric characters, hyphens and "
                        "underscores. It can be at most 80 letters long.");
    }
    if (!ids.insert(id).second) {
      return make_error(ErrorCode::kBatchEntryIdsNotDistinct, "Id " + id + " repeated.");
    }
  }
  return Status::ok();
}

Status validate_range(std::string_view name, int64_t value, int64_t min, int64_t max) {
  if (value >= min && value <= max) return Status::ok();
  return invalid("value " + std::to_string(value) + " for parameter " + std::string(name) +
                 " is invalid: must be between " + std::to_string(min) + " and " +
                 std::to_string(max));
}

Status validate_receive_message(const Params& request) {
  if (auto count = request.int_param("MaxNumberOfMessages")) {
    SLUICE_RETURN_IF_ERROR(validate_range("MaxNumberOfMessages", *count, 1, 10));
  }
  if (auto timeout = request.int_param("VisibilityTimeout")) {
    SLUICE_RETURN_IF_ERROR(validate_range("VisibilityTimeout", *timeout, 0, 43200));
  }
  if (auto wait = request.int_param("WaitTimeSeconds")) {
    SLUICE_RETURN_IF_ERROR(validate_range("WaitTimeSeconds", *wait, 0, 20));
  }
  if (auto attempt = request.string_param("ReceiveRequestAttemptId")) {
    // SQS: up to 128 characters, alphanumerics and punctuation.
    const bool allowed = std::all_of(attempt->begin(), attempt->end(),
                                     [](char c) { return c >= 0x21 && c <= 0x7E; });
    if (attempt->empty() || attempt->size() > 128 || !allowed) {
      return make_error(ErrorCode::kInvalidParameterValue,
                        "ReceiveRequestAttemptId must be 1 to 128 alphanumeric or punctuation "
                        "characters");
    }
  }
  return Status::ok();
}

Status validate_delay_seconds(const Params& request_or_entry) {
  if (auto delay = request_or_entry.int_param("DelaySeconds")) {
    return validate_range("DelaySeconds", *delay, 0, kMaxLongDelaySeconds);
  }
  return Status::ok();
}

bool is_removed_when_empty(std::string_view name) {
  return name == "Policy" || name == "RedrivePolicy";
}

Status validate_queue_attribute(std::string_view name, std::string_view value, bool fifo) {
  for (const QueueAttributeRule& rule : kSettableAttributes) {
    if (rule.name != name) continue;
    if (rule.fifo_only && !fifo) return unknown_attribute(name);
    if (value.empty() && is_removed_when_empty(name)) return Status::ok();
    return check_rule(rule, value);
  }
  return unknown_attribute(name);
}

Status validate_queue_attributes(const StringMap& attributes, bool fifo) {
  for (const auto& [name, value] : attributes) {
    SLUICE_RETURN_IF_ERROR(validate_queue_attribute(name, value, fifo));
  }
  auto limit = attributes.find("FifoThroughputLimit");
  auto scope = attributes.find("DeduplicationScope");
  if (limit != attributes.end() && scope != attributes.end() &&
      limit->second == "perMessageGroupId" && scope->second != "messageGroup") {
    return bad_value("FifoThroughputLimit",
                     "perMessageGroupId requires DeduplicationScope messageGroup");
  }
  return Status::ok();
}

Status validate_attribute_names(const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    const bool settable =
        std::any_of(kSettableAttributes.begin(), kSettableAttributes.end(),
                    [&](const QueueAttributeRule& rule) { return rule.name == name; });
    const bool read_only = std::find(kReadOnlyAttributes.begin(), kReadOnlyAttributes.end(),
                                     name) != kReadOnlyAttributes.end();
    if (name != "All" && !settable && !read_only) return unknown_attribute(name);
  }
  return Status::ok();
}

}  // namespace sluice::sqs::protocol
