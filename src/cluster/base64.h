// Standard padded base64 (RFC 4648 section 4): how etcd's JSON gateway carries keys and
// values, which are arbitrary bytes. (src/sqs/protocol/base64.h has the same codec for SQS;
// cluster/ may not depend on a protocol library, so the two should move to common/ together.)
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sluice::cluster {

std::string base64_encode(std::string_view bytes);
// nullopt on a character outside the alphabet or a length that is not a multiple of four.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace sluice::cluster
