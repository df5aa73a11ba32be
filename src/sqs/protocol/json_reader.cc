#include "sqs/protocol/json_reader.h"

#include <cstdint>
#include <limits>
#include <string>

#include "common/base64.h"
#include "sqs/protocol/errors.h"

namespace sluice::sqs::protocol {
namespace {

using nlohmann::json;

Status wrong_type(std::string_view name, std::string_view expected) {
  return make_error(ErrorCode::kSerializationException,
                    std::string(name) + " must be " + std::string(expected));
}

Result<std::string> read_string(const json& value, std::string_view name) {
  if (!value.is_string()) return wrong_type(name, "a string");
  return value.get<std::string>();
}

Result<int64_t> read_int32(const json& value, std::string_view name) {
  if (!value.is_number_integer()) return wrong_type(name, "an integer");
  constexpr int64_t kMin = std::numeric_limits<int32_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
  const bool in_range = value.is_number_unsigned()
                            ? value.get<uint64_t>() <= kMax
                            : value.get<int64_t>() >= kMin && value.get<int64_t>() <= kMax;
  if (!in_range) {
    return make_error(ErrorCode::kInvalidParameterValue,
                      std::string(name) + " is outside the 32-bit integer range");
  }
  return value.get<int64_t>();
}

Result<std::vector<std::string>> read_list(const json& value, std::string_view name) {
  if (!value.is_array()) return wrong_type(name, "a list of strings");
  std::vector<std::string> items;
  for (const json& item : value) {
    SLUICE_ASSIGN_OR_RETURN(std::string text, read_string(item, name));
    items.push_back(std::move(text));
  }
  return items;
}

Result<StringMap> read_map(const json& value, std::string_view name) {
  if (!value.is_object()) return wrong_type(name, "a map of strings");
  StringMap map;
  for (const auto& [key, item] : value.items()) {
    SLUICE_ASSIGN_OR_RETURN(std::string text, read_string(item, name));
    map.emplace(key, std::move(text));
  }
  return map;
}

// Reads an optional string member of an attribute value; null is absent.
Result<std::optional<std::string>> optional_string(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::optional<std::string>();
  SLUICE_ASSIGN_OR_RETURN(std::string text, read_string(*it, key));
  return std::optional<std::string>(std::move(text));
}

Result<MessageAttributeMap> read_message_attributes(const json& value, std::string_view name) {
  if (!value.is_object()) return wrong_type(name, "a map of message attribute values");
  MessageAttributeMap map;
  for (const auto& [key, item] : value.items()) {
    if (!item.is_object()) return wrong_type(name, "a map of message attribute values");
    MessageAttributeValue attribute;
    SLUICE_ASSIGN_OR_RETURN(auto type, optional_string(item, "DataType"));
    attribute.data_type = type.value_or("");
    SLUICE_ASSIGN_OR_RETURN(attribute.string_value, optional_string(item, "StringValue"));
    SLUICE_ASSIGN_OR_RETURN(auto encoded, optional_string(item, "BinaryValue"));
    if (encoded) {
      attribute.binary_value = base64_decode(*encoded);
      if (!attribute.binary_value) {
        return make_error(ErrorCode::kInvalidParameterValue,
                          "the BinaryValue of message attribute " + key + " is not base64");
      }
    }
    map.emplace(key, std::move(attribute));
  }
  return map;
}

Result<std::vector<Params>> read_entries(const json& value, const MemberSchema& member) {
  if (!value.is_array()) return wrong_type(member.name, "a list of entries");
  std::vector<Params> entries(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    SLUICE_RETURN_IF_ERROR(read_json_members(value[i], member.entry_members, &entries[i]));
  }
  return entries;
}

Status read_member(const json& value, const MemberSchema& member, Params* out) {
  const std::string name(member.name);
  switch (member.kind) {
    case MemberKind::kString: {
      SLUICE_ASSIGN_OR_RETURN(std::string text, read_string(value, name));
      out->set_string(name, std::move(text));
      return Status::ok();
    }
    case MemberKind::kInteger: {
      SLUICE_ASSIGN_OR_RETURN(const int64_t number, read_int32(value, name));
      out->set_int(name, number);
      return Status::ok();
    }
    case MemberKind::kStringList: {
      SLUICE_ASSIGN_OR_RETURN(auto list, read_list(value, name));
      if (!list.empty()) out->set_string_list(name, std::move(list));
      return Status::ok();
    }
    case MemberKind::kStringMap: {
      SLUICE_ASSIGN_OR_RETURN(auto map, read_map(value, name));
      if (!map.empty()) out->set_string_map(name, std::move(map));
      return Status::ok();
    }
    case MemberKind::kMessageAttributeMap: {
      SLUICE_ASSIGN_OR_RETURN(auto map, read_message_attributes(value, name));
      if (!map.empty()) out->set_message_attribute_map(name, std::move(map));
      return Status::ok();
    }
    case MemberKind::kEntryList: {
      SLUICE_ASSIGN_OR_RETURN(auto entries, read_entries(value, member));
      if (!entries.empty()) out->set_entries(std::move(entries));
      return Status::ok();
    }
  }
  return Status::ok();
}

}  // namespace

Status read_json_members(const json& object, std::span<const MemberSchema> members, Params* out) {
  if (!object.is_object()) return wrong_type("the request body", "a JSON object");
  for (const MemberSchema& member : members) {
    auto it = object.find(std::string(member.json_name));
    if (it == object.end() || it->is_null()) continue;
    SLUICE_RETURN_IF_ERROR(read_member(*it, member, out));
  }
  return Status::ok();
}

}  // namespace sluice::sqs::protocol
