#include "sqs/protocol/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "sqs/protocol/errors.h"

namespace sluice::sqs::protocol {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

std::string to_hex(const unsigned char* bytes, size_t size) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  out.reserve(2 * size);
  for (size_t i = 0; i < size; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 15];
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters stay, everything else
// (including '%' itself) becomes %XX in upper case; '/' stays when keep_slash.
std::string uri_encode(std::string_view text, bool keep_slash) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding of one query component; a stray '%' stays as it is, and '+' stays a
// '+' (the SDKs encode spaces as %20, and botocore signs a raw '+' unchanged).
std::string uri_decode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 &&
        hex_digit(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The path with empty, "." and ".." segments resolved, then encoded a second time (the
// received path is already encoded once): what botocore and the JS SDK sign for every
// service but S3.
std::string canonical_uri(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view segment = path.substr(start, slash - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = slash + 1;
  }
  std::string normalized = "/";
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) normalized += '/';
    normalized += segments[i];
  }
  if (!segments.empty() && path.ends_with('/')) normalized += '/';
  return uri_encode(normalized, true);
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t start = 0;
  while (start < query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view pair = query.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;
    const size_t equals = pair.find('=');
    const std::string_view key = pair.substr(0, equals);
    const std::string_view value =
        equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
    pairs.emplace_back(uri_encode(uri_decode(key), false), uri_encode(uri_decode(value), false));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [key, value] : pairs) {
    if (!out.empty()) out += '&';
    out += key;
    out += '=';
    out += value;
  }
  return out;
}

// The header's values joined by ',', each trimmed with inner runs of spaces collapsed;
// nullopt when the request has no such header.
std::optional<std::string> canonical_header_value(const SignedRequest& request,
                                                  std::string_view name) {
  std::optional<std::string> out;
  for (const auto& [header, value] : request.headers) {
    if (!iequals(header, name)) continue;
    std::string collapsed;
    for (const char c : trim(value)) {
      if (c == ' ' && !collapsed.empty() && collapsed.back() == ' ') continue;
      collapsed += c;
    }
    if (out) {
      *out += ',';
      *out += collapsed;
    } else {
      out = std::move(collapsed);
    }
  }
  return out;
}

Status mismatch(std::string message) {
  return make_error(ErrorCode::kSignatureDoesNotMatch, std::move(message));
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  // Howard Hinnant's algorithm: days since 1970-01-01 of a proleptic Gregorian date.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  return to_hex(digest, length);
}

std::optional<int64_t> parse_amz_date(std::string_view text) {
  // YYYYMMDD'T'HHMMSS'Z'
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  int64_t parts[6] = {};
  const size_t offsets[6] = {0, 4, 6, 9, 11, 13};
  const size_t widths[6] = {4, 2, 2, 2, 2, 2};
  for (int i = 0; i < 6; ++i) {
    for (size_t j = 0; j < widths[i]; ++j) {
      const char c = text[offsets[i] + j];
      if (c < '0' || c > '9') return std::nullopt;
      parts[i] = parts[i] * 10 + (c - '0');
    }
  }
  if (parts[1] < 1 || parts[1] > 12 || parts[2] < 1 || parts[2] > 31 || parts[3] > 23 ||
      parts[4] > 59 || parts[5] > 60) {
    return std::nullopt;
  }
  const int64_t days =
      days_from_civil(parts[0], static_cast<unsigned>(parts[1]), static_cast<unsigned>(parts[2]));
  return ((days * 24 + parts[3]) * 60 + parts[4]) * 60 * 1000 + parts[5] * 1000;
}

Result<SigV4Authorization> parse_sigv4_authorization(std::string_view header) {
  header = trim(header);
  if (!header.starts_with(kAlgorithm) || header.size() == kAlgorithm.size() ||
      header[kAlgorithm.size()] != ' ') {
    return mismatch("Only AWS4-HMAC-SHA256 signatures are supported.");
  }
  header.remove_prefix(kAlgorithm.size());
  std::optional<std::string_view> credential, signed_headers, signature;
  size_t start = 0;
  while (start < header.size()) {
    size_t comma = header.find(',', start);
    if (comma == std::string_view::npos) comma = header.size();
    const std::string_view part = trim(header.substr(start, comma - start));
    start = comma + 1;
    const size_t equals = part.find('=');
    if (equals == std::string_view::npos) continue;
    const std::string_view key = part.substr(0, equals);
    const std::string_view value = part.substr(equals + 1);
    if (key == "Credential") credential = value;
    if (key == "SignedHeaders") signed_headers = value;
    if (key == "Signature") signature = value;
  }
  if (!credential || !signed_headers || !signature) {
    return mismatch("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'.");
  }
  // AKID/YYYYMMDD/region/service/aws4_request; the key id itself contains no '/'.
  std::vector<std::string_view> scope;
  size_t from = 0;
  while (true) {
    const size_t slash = credential->find('/', from);
    scope.push_back(credential->substr(from, slash - from));
    if (slash == std::string_view::npos) break;
    from = slash + 1;
  }
  if (scope.size() != 5 || scope[0].empty() || scope[1].size() != 8 || scope[2].empty() ||
      scope[3].empty() || scope[4] != kTerminator) {
    return mismatch("Credential must have the form <key id>/<date>/<region>/<service>/" +
                    std::string(kTerminator) + ".");
  }
  SigV4Authorization out;
  out.access_key_id = std::string(scope[0]);
  out.date = std::string(scope[1]);
  out.region = std::string(scope[2]);
  out.service = std::string(scope[3]);
  from = 0;
  while (from <= signed_headers->size()) {
    size_t semicolon = signed_headers->find(';', from);
    if (semicolon == std::string_view::npos) semicolon = signed_headers->size();
    const std::string_view name = signed_headers->substr(from, semicolon - from);
    if (!name.empty()) out.signed_headers.push_back(lower(name));
    from = semicolon + 1;
  }
  if (out.signed_headers.empty()) return mismatch("SignedHeaders is empty.");
  out.signature = lower(*signature);
  return out;
}

std::string sigv4_canonical_request(const SignedRequest& request,
                                    const std::vector<std::string>& signed_headers,
                                    std::string_view payload_hash) {
  const size_t question = request.target.find('?');
  const std::string_view path = request.target.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : request.target.substr(question + 1);
  std::string out(request.method);
  out += '\n';
  out += canonical_uri(path);
  out += '\n';
  out += canonical_query(query);
  out += '\n';
  for (const std::string& name : signed_headers) {
    out += name;
    out += ':';
    out += canonical_header_value(request, name).value_or("");
    out += '\n';
  }
  out += '\n';
  for (size_t i = 0; i < signed_headers.size(); ++i) {
    if (i > 0) out += ';';
    out += signed_headers[i];
  }
  out += '\n';
  out += payload_hash;
  return out;
}

std::string sigv4_string_to_sign(std::string_view amz_date, std::string_view scope,
                                 std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out += '\n';
  out += amz_date;
  out += '\n';
  out += scope;
  out += '\n';
  out += sha256_hex(canonical_request);
  return out;
}

std::string sigv4_signature(std::string_view secret, std::string_view date, std::string_view region,
                            std::string_view service, std::string_view string_to_sign) {
  const std::string date_key = hmac_sha256("AWS4" + std::string(secret), date);
  const std::string region_key = hmac_sha256(date_key, region);
  const std::string service_key = hmac_sha256(region_key, service);
  const std::string signing_key = hmac_sha256(service_key, kTerminator);
  const std::string signature = hmac_sha256(signing_key, string_to_sign);
  return to_hex(reinterpret_cast<const unsigned char*>(signature.data()), signature.size());
}

Status verify_sigv4(const SignedRequest& request, const SecretLookup& secrets, int64_t now_ms) {
  const std::optional<std::string> header = canonical_header_value(request, "authorization");
  if (!header) {
    if (request.target.find("X-Amz-Signature=") != std::string_view::npos) {
      return mismatch("Presigned requests are not supported by this server.");
    }
    return make_error(ErrorCode::kMissingAuthenticationToken,
                      "Request is missing Authentication Token");
  }
  SLUICE_ASSIGN_OR_RETURN(SigV4Authorization authorization, parse_sigv4_authorization(*header));
  const std::optional<std::string> secret = secrets(authorization.access_key_id);
  if (!secret) {
    return make_error(ErrorCode::kInvalidClientTokenId,
                      "The security token included in the request is invalid.");
  }
  const std::optional<std::string> amz_date = canonical_header_value(request, "x-amz-date");
  if (!amz_date) return mismatch("The request must carry an X-Amz-Date header.");
  const std::optional<int64_t> signed_at = parse_amz_date(*amz_date);
  if (!signed_at) return mismatch("X-Amz-Date '" + *amz_date + "' is not YYYYMMDD'T'HHMMSS'Z'.");
  if (!amz_date->starts_with(authorization.date)) {
    return mismatch("The date of the credential scope (" + authorization.date +
                    ") does not match X-Amz-Date (" + *amz_date + ").");
  }
  if (*signed_at < now_ms - kSigV4ClockSkewMs || *signed_at > now_ms + kSigV4ClockSkewMs) {
    return mismatch("Signature expired: " + *amz_date +
                    " is outside the 5-minute window around the server's time.");
  }
  const bool signs_host =
      std::find(authorization.signed_headers.begin(), authorization.signed_headers.end(), "host") !=
      authorization.signed_headers.end();
  if (!signs_host) return mismatch("SignedHeaders must include host.");
  for (const std::string& name : authorization.signed_headers) {
    if (!canonical_header_value(request, name)) {
      return mismatch("The signed header " + name + " is missing from the request.");
    }
  }
  std::string payload_hash = sha256_hex(request.body);
  if (canonical_header_value(request, "x-amz-content-sha256") == kUnsignedPayload) {
    payload_hash = std::string(kUnsignedPayload);
  }
  const std::string canonical =
      sigv4_canonical_request(request, authorization.signed_headers, payload_hash);
  const std::string scope = authorization.date + "/" + authorization.region + "/" +
                            authorization.service + "/" + std::string(kTerminator);
  const std::string expected =
      sigv4_signature(*secret, authorization.date, authorization.region, authorization.service,
                      sigv4_string_to_sign(*amz_date, scope, canonical));
  if (expected.size() != authorization.signature.size() ||
      CRYPTO_memcmp(expected.data(), authorization.signature.data(), expected.size()) != 0) {
    return mismatch(
        "The request signature we calculated does not match the signature you provided. Check "
        "your AWS Secret Access Key and signing method.");
  }
  return Status::ok();
}

}  // namespace sluice::sqs::protocol
