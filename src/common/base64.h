// Standard base64 (RFC 4648 section 4, with padding): the encoding of SQS Binary message
// attribute values in both protocols, of receipt handles, and of keys and values in etcd's
// JSON gateway.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sluice {

std::string base64_encode(std::string_view bytes);

// Decodes padded base64. Returns nullopt on a character outside the alphabet, a length that
// is not a multiple of 4, misplaced padding, or non-zero bits after the last byte (so that
// every byte string has exactly one accepted encoding).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace sluice
