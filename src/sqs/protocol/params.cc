#include "sqs/protocol/params.h"

#include <utility>

namespace sluice::sqs::protocol {
namespace {

template <typename T>
const T& get_or_empty(const auto* value) {
  static const T kEmpty;
  if (value == nullptr) return kEmpty;
  const T* typed = std::get_if<T>(value);
  return typed != nullptr ? *typed : kEmpty;
}

}  // namespace

const Params::Value* Params::find(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

std::optional<std::string> Params::string_param(std::string_view name) const {
  const Value* value = find(name);
  if (value == nullptr) return std::nullopt;
  const auto* text = std::get_if<std::string>(value);
  if (text == nullptr) return std::nullopt;
  return *text;
}

std::optional<int64_t> Params::int_param(std::string_view name) const {
  const Value* value = find(name);
  if (value == nullptr) return std::nullopt;
  const auto* number = std::get_if<int64_t>(value);
  if (number == nullptr) return std::nullopt;
  return *number;
}

const std::vector<std::string>& Params::string_list(std::string_view name) const {
  return get_or_empty<std::vector<std::string>>(find(name));
}

const StringMap& Params::string_map(std::string_view name) const {
  return get_or_empty<StringMap>(find(name));
}

const MessageAttributeMap& Params::message_attribute_map(std::string_view name) const {
  return get_or_empty<MessageAttributeMap>(find(name));
}

bool Params::has(std::string_view name) const {
  if (name == "Entries") return !entries_.empty();
  return find(name) != nullptr;
}

void Params::set_string(std::string name, std::string value) {
  values_.insert_or_assign(std::move(name), std::move(value));
}
void Params::set_int(std::string name, int64_t value) {
  values_.insert_or_assign(std::move(name), value);
}
void Params::set_string_list(std::string name, std::vector<std::string> value) {
  values_.insert_or_assign(std::move(name), std::move(value));
}
void Params::set_string_map(std::string name, StringMap value) {
  values_.insert_or_assign(std::move(name), std::move(value));
}
void Params::set_message_attribute_map(std::string name, MessageAttributeMap value) {
  values_.insert_or_assign(std::move(name), std::move(value));
}
void Params::set_entries(std::vector<Params> entries) {
  entries_ = std::move(entries);
}

}  // namespace sluice::sqs::protocol
