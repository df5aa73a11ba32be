#include "sqs/protocol/value.h"

#include <cassert>

#include "common/base64.h"

namespace sluice::sqs::protocol {

Value Value::string(std::string text) {
  Value value(Kind::kString);
  value.text_ = std::move(text);
  return value;
}

Value Value::integer(int64_t number) {
  Value value(Kind::kInteger);
  value.text_ = std::to_string(number);
  return value;
}

Value Value::boolean(bool flag) {
  Value value(Kind::kBoolean);
  value.text_ = flag ? "true" : "false";
  return value;
}

Value Value::string_list(const std::vector<std::string>& items) {
  Value value = list();
  for (const std::string& item : items) value.push(string(item));
  return value;
}

Value Value::string_map(const StringMap& entries) {
  Value value = map();
  for (const auto& [name, text] : entries) value.set(name, string(text));
  return value;
}

Value Value::message_attribute_map(const MessageAttributeMap& attributes) {
  Value value = map();
  for (const auto& [name, attribute] : attributes) {
    Value entry = structure();
    if (attribute.string_value) entry.set("StringValue", string(*attribute.string_value));
    if (attribute.binary_value) {
      entry.set("BinaryValue", string(base64_encode(*attribute.binary_value)));
    }
    entry.set("DataType", string(attribute.data_type));
    value.set(name, std::move(entry));
  }
  return value;
}

Value& Value::set(std::string name, Value value) {
  assert(kind_ == Kind::kStructure || kind_ == Kind::kMap);
  names_.push_back(std::move(name));
  children_.push_back(std::move(value));
  return *this;
}

Value& Value::push(Value value) {
  assert(kind_ == Kind::kList);
  children_.push_back(std::move(value));
  return *this;
}

}  // namespace sluice::sqs::protocol
