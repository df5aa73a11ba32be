// etcd 3.4's v3 JSON gateway, as data: the request bodies EtcdMetadataStore sends and the
// decoding of what comes back. Pure functions, no I/O.
//
// The gateway's quirks (grpc-gateway's protobuf JSON mapping), handled here and nowhere else:
// - int64 and uint64 fields (revisions, lease ids, TTLs, counts) arrive as JSON strings;
//   we also accept numbers, and send strings.
// - fields holding their zero value are omitted: a missing "succeeded" is false, a missing
//   "kvs" is no keys, a keepalive answer without "TTL" means the lease is gone, a delete event
//   is one whose "type" is "DELETE" while a put has no "type" at all.
// - keys and values are base64 (they are bytes in the protobuf).
// - responses use snake_case ("response_put", "mod_revision"), requests accept it too.
// - errors come as {"error": ..., "code": <gRPC code>, "message": ...} with an HTTP status
//   derived from the code; inside a stream, as {"error": {...}}.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cluster/metadata_store.h"

namespace sluice::cluster::etcd_json {

using nlohmann::json;

// An int64 field that may be a string, a number or absent (0).
int64_t int_field(const json& object, const char* name);

// Request bodies.
json range_request(const std::string& key, bool prefix);
json put_request(const std::string& key, const std::string& value, LeaseId lease);
json delete_request(const std::string& key, bool prefix);
json txn_request(const std::vector<Guard>& guards, const std::vector<WriteOp>& ops);
json watch_request(const std::string& prefix, Revision from_revision);

// Decoders: kProtocol when the shape is not what etcd sends.
StoreResult<KeyValue> decode_kv(const json& kv);
StoreResult<ReadResult> decode_range(const json& response);
// The store revision in a response's header.
Revision header_revision(const json& response);

// The error an answer carries: `http_status` with a body that is not JSON or names a gRPC
// code. OK for a 200 whose body holds no error.
StoreStatus decode_error(int http_status, const json& body);

// One message of the watch stream.
struct WatchMessage {
  bool created = false;
  bool canceled = false;
  Revision compact_revision = 0;  // > 0: the requested start is compacted
  Revision header_revision = 0;
  std::string cancel_reason;
  std::vector<WatchEvent> events;
};
StoreResult<WatchMessage> decode_watch_message(const json& message);

}  // namespace sluice::cluster::etcd_json
