// AWS Signature Version 4 verification, pure: a request's method, target, headers and body
// in, OK or the SQS error a client gets out. Every SDK signs every request
// (`Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261124/us-east-1/sqs/aws4_request,
// SignedHeaders=content-type;host;x-amz-date, Signature=<hex>`); the server recomputes the
// signature from the secret it holds for AKID and compares in constant time.
//
//   SignedRequest request{.method = "POST", .target = "/", .headers = headers, .body = body};
//   Status status = verify_sigv4(request, [&](std::string_view id) { return lookup(id); },
//                                now_ms);
//
// Steps (docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html):
//   canonical request = METHOD \n canonical URI \n canonical query \n canonical headers \n
//                       signed header names \n hex(SHA-256(payload))
//   string to sign    = "AWS4-HMAC-SHA256" \n X-Amz-Date \n scope \n hex(SHA-256(canonical))
//   signing key       = HMAC chain "AWS4"+secret -> date -> region -> service -> "aws4_request"
// The region and service are taken from the request's own credential scope, so a client
// configured for any region verifies; the date in the scope must match X-Amz-Date, which
// must be within 5 minutes of the server's clock.
//
// Errors (403): InvalidClientTokenId for an unknown access key id; SignatureDoesNotMatch for
// a wrong signature, a malformed Authorization header, or a timestamp outside the window
// ("Signature expired", as AWS words it); MissingAuthenticationToken when the request is
// not signed at all. Presigned URLs (X-Amz-Signature in the query) are not supported.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace sluice::sqs::protocol {

inline constexpr int64_t kSigV4ClockSkewMs = 5 * 60 * 1000;

struct SignedRequest {
  std::string_view method;
  std::string_view target = "/";  // path, then "?query" if any, as received
  // Every header as received (names in any case; a name may repeat).
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  std::string_view body;
};

// The parts of an `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...` header.
struct SigV4Authorization {
  std::string access_key_id;
  std::string date;  // YYYYMMDD
  std::string region;
  std::string service;
  std::vector<std::string> signed_headers;  // lower case, as listed
  std::string signature;                    // lower-case hex
};

// SignatureDoesNotMatch (with a reason) when the header is not a SigV4 authorization.
Result<SigV4Authorization> parse_sigv4_authorization(std::string_view header);

// The pieces, exposed for tests.
std::string sigv4_canonical_request(const SignedRequest& request,
                                    const std::vector<std::string>& signed_headers,
                                    std::string_view payload_hash);
std::string sigv4_string_to_sign(std::string_view amz_date, std::string_view scope,
                                 std::string_view canonical_request);
std::string sigv4_signature(std::string_view secret, std::string_view date, std::string_view region,
                            std::string_view service, std::string_view string_to_sign);
// "20150830T123600Z" as Unix milliseconds; nullopt when malformed.
std::optional<int64_t> parse_amz_date(std::string_view amz_date);
std::string sha256_hex(std::string_view bytes);

// The secret of an access key id; nullopt when the id is unknown.
using SecretLookup = std::function<std::optional<std::string>(std::string_view access_key_id)>;

// OK when `request` carries a valid signature by a known key within the clock window.
Status verify_sigv4(const SignedRequest& request, const SecretLookup& secrets, int64_t now_ms);

}  // namespace sluice::sqs::protocol
