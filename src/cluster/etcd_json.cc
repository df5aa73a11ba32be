#include "cluster/etcd_json.h"

#include <charconv>

#include "common/base64.h"

namespace sluice::cluster::etcd_json {

namespace {

// gRPC status codes that etcd's answers carry (google.golang.org/grpc/codes).
constexpr int kGrpcInvalidArgument = 3;
constexpr int kGrpcDeadlineExceeded = 4;
constexpr int kGrpcNotFound = 5;
constexpr int kGrpcResourceExhausted = 8;
constexpr int kGrpcOutOfRange = 11;
constexpr int kGrpcUnavailable = 14;

std::string decoded_field(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return {};
  return base64_decode(it->get<std::string>()).value_or(std::string());
}

json compare_json(const Guard& guard) {
  // MOD revision 0 holds exactly when the key is absent (etcd compares an absent key as a
  // zero KeyValue), so one comparison covers both CAS and create-if-absent.
  return {{"key", base64_encode(guard.key)},
          {"target", "MOD"},
          {"result", "EQUAL"},
          {"mod_revision", std::to_string(guard.mod_revision)}};
}

json op_json(const WriteOp& op) {
  switch (op.type) {
    case WriteOp::Type::kPut:
      return {{"request_put", put_request(op.key, op.value, op.lease)}};
    case WriteOp::Type::kDelete:
      return {{"request_delete_range", delete_request(op.key, false)}};
    case WriteOp::Type::kDeletePrefix:
      return {{"request_delete_range", delete_request(op.key, true)}};
  }
  return {};
}

}  // namespace

int64_t int_field(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (!it->is_string()) return 0;
  const auto& text = it->get_ref<const std::string&>();
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

json range_request(const std::string& key, bool prefix) {
  json request = {{"key", base64_encode(key)}};
  if (prefix) request["range_end"] = base64_encode(prefix_range_end(key));
  return request;
}

json put_request(const std::string& key, const std::string& value, LeaseId lease) {
  json request = {{"key", base64_encode(key)}, {"value", base64_encode(value)}};
  if (lease != 0) request["lease"] = std::to_string(lease);
  return request;
}

json delete_request(const std::string& key, bool prefix) {
  return range_request(key, prefix);
}

json txn_request(const std::vector<Guard>& guards, const std::vector<WriteOp>& ops) {
  json compares = json::array();
  for (const auto& guard : guards) compares.push_back(compare_json(guard));
  json success = json::array();
  for (const auto& op : ops) success.push_back(op_json(op));
  return {{"compare", compares}, {"success", success}, {"failure", json::array()}};
}

json watch_request(const std::string& prefix, Revision from_revision) {
  json create = range_request(prefix, true);
  if (from_revision > 0) create["start_revision"] = std::to_string(from_revision);
  return {{"create_request", create}};
}

StoreResult<KeyValue> decode_kv(const json& kv) {
  if (!kv.is_object() || !kv.contains("key"))
    return StoreStatus::protocol("a key-value without a key: " + kv.dump());
  KeyValue out;
  out.key = decoded_field(kv, "key");
  out.value = decoded_field(kv, "value");
  out.create_revision = int_field(kv, "create_revision");
  out.mod_revision = int_field(kv, "mod_revision");
  out.version = int_field(kv, "version");
  out.lease = int_field(kv, "lease");
  return out;
}

Revision header_revision(const json& response) {
  auto header = response.find("header");
  if (header == response.end() || !header->is_object()) return 0;
  return int_field(*header, "revision");
}

StoreResult<ReadResult> decode_range(const json& response) {
  ReadResult result;
  result.revision = header_revision(response);
  auto kvs = response.find("kvs");
  if (kvs == response.end()) return result;  // no keys: the field is omitted
  if (!kvs->is_array()) return StoreStatus::protocol("range: kvs is not an array");
  for (const auto& kv : *kvs) {
    auto decoded = decode_kv(kv);
    if (!decoded.is_ok()) return decoded.status();
    result.kvs.push_back(std::move(decoded).value());
  }
  return result;
}

StoreStatus decode_error(int http_status, const json& body) {
  const json* error = &body;
  // Inside a stream the error is an object under "error"; in a unary answer "error" is a
  // string beside "code" and "message".
  if (auto it = body.find("error"); it != body.end() && it->is_object()) error = &*it;
  const bool has_code = error->is_object() && error->contains("code");
  if (http_status == 200 && !has_code) return StoreStatus::ok();
  const std::string message = error->is_object() && error->contains("message")
                                  ? error->value("message", std::string())
                                  : "HTTP " + std::to_string(http_status);
  const int code = has_code ? static_cast<int>(int_field(*error, "code")) : -1;
  switch (code) {
    case kGrpcInvalidArgument:
      return StoreStatus::invalid_argument(message);
    case kGrpcNotFound:
      // The only thing the KV and lease APIs report as not found is a lease.
      return StoreStatus::lease_expired(message);
    case kGrpcOutOfRange:
      if (message.find("compacted") != std::string::npos) return StoreStatus::compacted(message);
      return StoreStatus::invalid_argument(message);
    case kGrpcDeadlineExceeded:
    case kGrpcResourceExhausted:
    case kGrpcUnavailable:
      return StoreStatus::unavailable(message);
    default:
      break;
  }
  if (http_status == 503 || http_status == 504) return StoreStatus::unavailable(message);
  return StoreStatus::protocol("etcd answered " + std::to_string(http_status) + ": " + message);
}

StoreResult<WatchMessage> decode_watch_message(const json& message) {
  auto error = decode_error(200, message);
  if (!error.is_ok()) return error;
  auto result = message.find("result");
  if (result == message.end() || !result->is_object())
    return StoreStatus::protocol("watch: a message without a result: " + message.dump());
  WatchMessage out;
  out.created = result->value("created", false);
  out.canceled = result->value("canceled", false);
  out.compact_revision = int_field(*result, "compact_revision");
  out.cancel_reason = result->value("cancel_reason", std::string());
  out.header_revision = header_revision(*result);
  auto events = result->find("events");
  if (events == result->end()) return out;
  if (!events->is_array()) return StoreStatus::protocol("watch: events is not an array");
  for (const auto& event : *events) {
    auto kv = event.find("kv");
    if (kv == event.end()) return StoreStatus::protocol("watch: an event without a kv");
    auto decoded = decode_kv(*kv);
    if (!decoded.is_ok()) return decoded.status();
    const bool deleted = event.value("type", std::string()) == "DELETE";
    out.events.push_back(
        {deleted ? WatchEvent::Type::kDelete : WatchEvent::Type::kPut, std::move(decoded).value()});
  }
  return out;
}

}  // namespace sluice::cluster::etcd_json
