#include "sqs/protocol/query_reader.h"

#include <charconv>
#include <set>
#include <string>

#include "common/base64.h"
#include "sqs/protocol/errors.h"

namespace sluice::sqs::protocol {
namespace {

// Parses a flattened-list index: 1-based decimal, no sign or leading zero.
std::optional<size_t> parse_index(std::string_view text) {
  if (text.empty() || text.size() > 9 || text[0] == '0') return std::nullopt;
  size_t index = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    index = index * 10 + static_cast<size_t>(c - '0');
  }
  return index;
}

// The number N of items under `prefix` ("Attribute."), whose fields are named
// prefix + "1" ... prefix + "N", each optionally followed by ".<more>".
Result<size_t> count_items(const FormFields& fields, const std::string& prefix) {
  std::set<size_t> indexes;
  for (auto it = fields.lower_bound(prefix);
       it != fields.end() && std::string_view(it->first).starts_with(prefix); ++it) {
    std::string_view rest = std::string_view(it->first).substr(prefix.size());
    rest = rest.substr(0, rest.find('.'));
    const auto index = parse_index(rest);
    if (!index) {
      return make_error(ErrorCode::kMalformedQueryString,
                        "parameter " + it->first + " has an invalid index");
    }
    indexes.insert(*index);
  }
  if (!indexes.empty() && *indexes.rbegin() != indexes.size()) {
    return make_error(ErrorCode::kMalformedQueryString,
                      "the indexes of " + prefix + "N must run from 1 without gaps");
  }
  return indexes.size();
}

const std::string* find_field(const FormFields& fields, const std::string& name) {
  auto it = fields.find(name);
  return it == fields.end() ? nullptr : &it->second;
}

Result<int64_t> parse_int32(const std::string& name, const std::string& text) {
  int32_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return make_error(ErrorCode::kInvalidParameterValue,
                      "value " + text + " for parameter " + name + " is not a valid integer");
  }
  return value;
}

Result<std::vector<std::string>> read_list(const FormFields& fields, const std::string& base) {
  SLUICE_ASSIGN_OR_RETURN(const size_t count, count_items(fields, base + "."));
  std::vector<std::string> items;
  for (size_t i = 1; i <= count; ++i) {
    const std::string name = base + "." + std::to_string(i);
    const std::string* value = find_field(fields, name);
    if (value == nullptr) {
      return make_error(ErrorCode::kMalformedQueryString, "parameter " + name + " is missing");
    }
    items.push_back(*value);
  }
  return items;
}

Result<StringMap> read_map(const FormFields& fields, const std::string& base,
                           std::string_view key_name) {
  SLUICE_ASSIGN_OR_RETURN(const size_t count, count_items(fields, base + "."));
  StringMap map;
  for (size_t i = 1; i <= count; ++i) {
    const std::string item = base + "." + std::to_string(i) + ".";
    const std::string* key = find_field(fields, item + std::string(key_name));
    if (key == nullptr) return missing_parameter(item + std::string(key_name));
    const std::string* value = find_field(fields, item + "Value");
    if (value == nullptr) return missing_parameter(item + "Value");
    if (!map.emplace(*key, *value).second) {
      return make_error(ErrorCode::kInvalidParameterValue, base + " " + *key + " is repeated");
    }
  }
  return map;
}

Result<MessageAttributeMap> read_message_attributes(const FormFields& fields,
                                                    const std::string& base) {
  SLUICE_ASSIGN_OR_RETURN(const size_t count, count_items(fields, base + "."));
  MessageAttributeMap map;
  for (size_t i = 1; i <= count; ++i) {
    const std::string item = base + "." + std::to_string(i) + ".";
    const std::string* name = find_field(fields, item + "Name");
    if (name == nullptr) return missing_parameter(item + "Name");
    MessageAttributeValue value;
    if (const std::string* type = find_field(fields, item + "Value.DataType")) {
      value.data_type = *type;
    }
    if (const std::string* text = find_field(fields, item + "Value.StringValue")) {
      value.string_value = *text;
    }
    if (const std::string* encoded = find_field(fields, item + "Value.BinaryValue")) {
      value.binary_value = base64_decode(*encoded);
      if (!value.binary_value) {
        return make_error(ErrorCode::kInvalidParameterValue,
                          item + "Value.BinaryValue is not valid base64");
      }
    }
    if (!map.emplace(*name, std::move(value)).second) {
      return make_error(ErrorCode::kInvalidParameterValue,
                        "message attribute " + *name + " is repeated");
    }
  }
  return map;
}

Result<std::vector<Params>> read_entries(const FormFields& fields, const std::string& base,
                                         std::span<const MemberSchema> entry_members) {
  SLUICE_ASSIGN_OR_RETURN(const size_t count, count_items(fields, base + "."));
  std::vector<Params> entries(count);
  for (size_t i = 1; i <= count; ++i) {
    SLUICE_RETURN_IF_ERROR(read_query_members(fields, base + "." + std::to_string(i) + ".",
                                              entry_members, &entries[i - 1]));
  }
  return entries;
}

Status read_member(const FormFields& fields, const std::string& base, const MemberSchema& member,
                   Params* out) {
  const std::string name(member.name);
  switch (member.kind) {
    case MemberKind::kString:
      if (const std::string* value = find_field(fields, base)) out->set_string(name, *value);
      return Status::ok();
    case MemberKind::kInteger:
      if (const std::string* value = find_field(fields, base)) {
        SLUICE_ASSIGN_OR_RETURN(const int64_t number, parse_int32(base, *value));
        out->set_int(name, number);
      }
      return Status::ok();
    case MemberKind::kStringList: {
      SLUICE_ASSIGN_OR_RETURN(auto list, read_list(fields, base));
      if (!list.empty()) out->set_string_list(name, std::move(list));
      return Status::ok();
    }
    case MemberKind::kStringMap: {
      SLUICE_ASSIGN_OR_RETURN(auto map, read_map(fields, base, member.map_key_name));
      if (!map.empty()) out->set_string_map(name, std::move(map));
      return Status::ok();
    }
    case MemberKind::kMessageAttributeMap: {
      SLUICE_ASSIGN_OR_RETURN(auto map, read_message_attributes(fields, base));
      if (!map.empty()) out->set_message_attribute_map(name, std::move(map));
      return Status::ok();
    }
    case MemberKind::kEntryList: {
      SLUICE_ASSIGN_OR_RETURN(auto entries, read_entries(fields, base, member.entry_members));
      if (!entries.empty()) out->set_entries(std::move(entries));
      return Status::ok();
    }
  }
  return Status::ok();
}

}  // namespace

Status read_query_members(const FormFields& fields, std::string_view prefix,
                          std::span<const MemberSchema> members, Params* out) {
  for (const MemberSchema& member : members) {
    SLUICE_RETURN_IF_ERROR(
        read_member(fields, std::string(prefix) + std::string(member.query_name), member, out));
  }
  return Status::ok();
}

}  // namespace sluice::sqs::protocol
