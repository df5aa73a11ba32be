// A response's content, protocol-neutral: a small tree of structures, lists, maps and
// scalars that a service fills once, with the service model's member names. response.h
// renders it as XML (query) or JSON; the XML-only naming of list items and map entries comes
// from the member names (see response.h), so the tree carries no wire details.
//
//   Value result = Value::structure();
//   result.set("MessageId", Value::string(id)).set("MD5OfMessageBody", Value::string(md5));
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sqs/protocol/params.h"

namespace sluice::sqs::protocol {

class Value {
 public:
  enum class Kind { kString, kInteger, kBoolean, kStructure, kList, kMap };

  static Value string(std::string text);
  static Value integer(int64_t number);
  static Value boolean(bool flag);
  static Value structure() { return Value(Kind::kStructure); }
  static Value list() { return Value(Kind::kList); }
  static Value map() { return Value(Kind::kMap); }

  // A list of strings (e.g. QueueUrls).
  static Value string_list(const std::vector<std::string>& items);
  // A map of strings (queue attributes, tags, message system attributes).
  static Value string_map(const StringMap& entries);
  // A map of message attribute values, each {StringValue|BinaryValue (base64), DataType}.
  static Value message_attribute_map(const MessageAttributeMap& attributes);

  // Adds a member (structure) or an entry (map), in order. Returns *this for chaining.
  // REQUIRES: kind() is kStructure or kMap.
  Value& set(std::string name, Value value);
  // Appends an item. REQUIRES: kind() == kList
  Value& push(Value value);

  Kind kind() const { return kind_; }
  // The text of a scalar: the string, the decimal integer, or "true"/"false".
  const std::string& text() const { return text_; }
  // Member or entry names (kStructure, kMap), parallel to children().
  const std::vector<std::string>& names() const { return names_; }
  const std::vector<Value>& children() const { return children_; }

  bool operator==(const Value&) const = default;

 private:
  explicit Value(Kind kind) : kind_(kind) {}

  Kind kind_;
  std::string text_;
  std::vector<std::string> names_;
  std::vector<Value> children_;
};

}  // namespace sluice::sqs::protocol
