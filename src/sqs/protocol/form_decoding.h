// application/x-www-form-urlencoded decoding: how the query protocol carries parameters in
// a POST body and in a GET's URL query string.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sluice::sqs::protocol {

// Decodes %XX escapes (either hex case) and '+' as a space. Returns nullopt on a '%' not
// followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view text);

using FormFields = std::map<std::string, std::string, std::less<>>;

// Adds the `name=value` pairs of `form` (separated by '&'; empty pairs skipped; a pair
// without '=' has an empty value) to *fields. Fails with MalformedQueryString on bad percent
// encoding and on a name that is already present, in this form or an earlier one: a
// repeated parameter is ambiguous, and SQS's flattened lists never repeat a name.
Status decode_form(std::string_view form, FormFields* fields);

}  // namespace sluice::sqs::protocol
