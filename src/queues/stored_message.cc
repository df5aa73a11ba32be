#include "queues/stored_message.h"

#include <cstdio>
#include <random>
#include <vector>

#include "common/coding.h"

namespace sluice::queues {
namespace {

constexpr std::string_view kAttributePrefix = "a:";
constexpr char kStringKind = 1;
constexpr char kBinaryKind = 2;

std::string encode_attribute(const sqs::protocol::MessageAttributeValue& value) {
  std::string out(1, value.is_binary() ? kBinaryKind : kStringKind);
  put_be32(out, static_cast<uint32_t>(value.data_type.size()));
  out += value.data_type;
  out += value.is_binary() ? value.binary_value.value_or("") : value.string_value.value_or("");
  return out;
}

bool decode_attribute(std::string_view in, sqs::protocol::MessageAttributeValue* value) {
  if (in.size() < 5) return false;
  const char kind = in[0];
  const uint32_t type_size = load_be32(in.data() + 1);
  if (in.size() - 5 < type_size) return false;
  value->data_type = std::string(in.substr(5, type_size));
  std::string bytes(in.substr(5 + type_size));
  if (kind == kBinaryKind) {
    value->binary_value = std::move(bytes);
  } else if (kind == kStringKind) {
    value->string_value = std::move(bytes);
  } else {
    return false;
  }
  return true;
}

}  // namespace

void add_message_record(storage::RecordBatchBuilder& builder, const StoredMessage& message) {
  std::vector<storage::RecordHeader> headers;
  std::string visible_at;
  put_be64(visible_at, static_cast<uint64_t>(message.visible_at_ms));
  headers.push_back({"v", visible_at});
  if (!message.group_id.empty()) headers.push_back({"g", message.group_id});
  if (!message.dedup_id.empty()) headers.push_back({"d", message.dedup_id});
  if (!message.trace_header.empty()) headers.push_back({"t", message.trace_header});
  if (!message.dlq_source_arn.empty()) headers.push_back({"q", message.dlq_source_arn});
  for (const auto& [name, value] : message.attributes) {
    headers.push_back({std::string(kAttributePrefix) + name, encode_attribute(value)});
  }
  builder.add(message.message_id, message.body, message.sent_ms, headers);
}

Result<StoredMessage> decode_message(const storage::Record& record) {
  const auto corrupt = [&](std::string_view what) {
    return Status::corruption("message record at " + std::to_string(record.offset) + ": " +
                              std::string(what));
  };
  if (!record.key || !record.value) return corrupt("missing id or body");
  StoredMessage message;
  message.message_id = std::string(*record.key);
  message.body = std::string(*record.value);
  message.sent_ms = record.timestamp;
  for (const auto& header : record.headers) {
    const std::string value(header.value.value_or(""));
    if (header.key == "v") {
      if (value.size() != 8) return corrupt("bad visible-from header");
      message.visible_at_ms = static_cast<int64_t>(load_be64(value.data()));
    } else if (header.key == "g") {
      message.group_id = value;
    } else if (header.key == "d") {
      message.dedup_id = value;
    } else if (header.key == "t") {
      message.trace_header = value;
    } else if (header.key == "q") {
      message.dlq_source_arn = value;
    } else if (header.key.starts_with(kAttributePrefix)) {
      sqs::protocol::MessageAttributeValue attribute;
      if (!decode_attribute(value, &attribute)) return corrupt("bad message attribute");
      message.attributes[std::string(header.key.substr(kAttributePrefix.size()))] =
          std::move(attribute);
    }
  }
  return message;
}

std::string sequence_number(int64_t offset) {
  char text[24];
  std::snprintf(text, sizeof(text), "%020lld", static_cast<long long>(offset));
  return text;
}

std::string new_message_id() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  const uint64_t high = (random() & ~uint64_t{0xF000}) | 0x4000;                 // version 4
  const uint64_t low = (random() & ~(uint64_t{3} << 62)) | (uint64_t{2} << 62);  // variant 1
  char text[40];
  std::snprintf(text, sizeof(text), "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(high >> 32), static_cast<unsigned>((high >> 16) & 0xFFFF),
                static_cast<unsigned>(high & 0xFFFF), static_cast<unsigned>(low >> 48),
                static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFULL));
  return text;
}

}  // namespace sluice::queues
