// The members of one SQS request structure (the request itself, or one entry of a batch),
// named as the service model names them ("QueueUrl", "Attributes", "MessageAttributes",
// "Entries") and typed by the model, whichever protocol carried them. The query and JSON
// parsers both fill this, so a service never looks at the wire format.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sluice::sqs::protocol {

struct MessageAttributeValue {
  std::string data_type;  // "String", "Number", "Binary", optionally with ".custom"
  std::optional<std::string> string_value;
  std::optional<std::string> binary_value;  // the decoded bytes, not base64

  // Binary and Binary.* types carry binary_value; the rest carry string_value.
  bool is_binary() const { return std::string_view(data_type).starts_with("Binary"); }
  bool operator==(const MessageAttributeValue&) const = default;
};

using StringMap = std::map<std::string, std::string>;
using MessageAttributeMap = std::map<std::string, MessageAttributeValue>;

class Params {
 public:
  // Each accessor returns nothing (nullopt or empty) when the member is absent or has
  // another type in the model.
  std::optional<std::string> string_param(std::string_view name) const;
  std::optional<int64_t> int_param(std::string_view name) const;
  const std::vector<std::string>& string_list(std::string_view name) const;
  const StringMap& string_map(std::string_view name) const;
  const MessageAttributeMap& message_attribute_map(std::string_view name) const;
  bool has(std::string_view name) const;

  // The members most actions read, by their model names.
  const StringMap& attributes() const { return string_map("Attributes"); }
  const StringMap& tags() const { return string_map("Tags"); }
  const MessageAttributeMap& message_attributes() const {
    return message_attribute_map("MessageAttributes");
  }
  const MessageAttributeMap& message_system_attributes() const {
    return message_attribute_map("MessageSystemAttributes");
  }
  // Batch entries ("Entries"), in request order; an empty list is the same as none.
  const std::vector<Params>& entries() const { return entries_; }

  void set_string(std::string name, std::string value);
  void set_int(std::string name, int64_t value);
  void set_string_list(std::string name, std::vector<std::string> value);
  void set_string_map(std::string name, StringMap value);
  void set_message_attribute_map(std::string name, MessageAttributeMap value);
  void set_entries(std::vector<Params> entries);

  bool operator==(const Params&) const = default;

 private:
  using Value =
      std::variant<std::string, int64_t, std::vector<std::string>, StringMap, MessageAttributeMap>;
  const Value* find(std::string_view name) const;

  std::map<std::string, Value, std::less<>> values_;
  std::vector<Params> entries_;
};

using BatchEntry = Params;

}  // namespace sluice::sqs::protocol
