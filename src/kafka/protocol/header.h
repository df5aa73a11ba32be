// Kafka request and response headers, and which header version goes with which request.
//
// Request header v0: api_key int16, api_version int16, correlation_id int32.
//                v1: + client_id, a CLASSIC nullable string (int16 length) in every version,
//                    kept so that a broker can read it before knowing the API's encoding.
//                v2: + a tagged-field section (flexible APIs).
// Response header v0: correlation_id int32.
//                 v1: + a tagged-field section (flexible APIs), except ApiVersions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "kafka/protocol/wire.h"

namespace sluice::kafka::protocol {

struct RequestHeader {
  // Raw numbers: a client may send a key or version Sluice has no codec for, and the
  // broker still answers it (UNSUPPORTED_VERSION) by correlation id.
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;

  // Decodes a header of the given header version (0, 1 or 2).
  Status decode(Reader& in, int16_t header_version);
  // REQUIRES: header_version is 0, 1 or 2.
  void encode(Writer& out, int16_t header_version) const;
  bool operator==(const RequestHeader&) const = default;
};

struct ResponseHeader {
  int32_t correlation_id = 0;

  Status decode(Reader& in, int16_t header_version);
  void encode(Writer& out, int16_t header_version) const;
  bool operator==(const ResponseHeader&) const = default;
};

// The request header version a client uses for (api_key, api_version): 2 when that version
// is flexible, otherwise 1. Unknown keys get 1, which is how every client frames them.
int16_t request_header_version(int16_t api_key, int16_t api_version);

// The response header version for (api_key, api_version): 1 when flexible, otherwise 0.
// ApiVersions always answers with v0 so that a client that sent a version the broker does
// not support can still parse the error response (KIP-511).
int16_t response_header_version(int16_t api_key, int16_t api_version);

// Decodes the request header at the front of a request frame, choosing its version from
// the api_key and api_version it starts with. Works for keys and versions without a codec
// (then as v1), so the caller can answer UNSUPPORTED_VERSION with the right correlation id.
// On success `in` is positioned at the request body.
Status decode_request_header(Reader& in, RequestHeader* header);

}  // namespace sluice::kafka::protocol
