// Reads an action's members out of decoded query-protocol fields, following the flattened
// naming of the service model: lists as Name.1, Name.2 ...; maps as Name.N.Name/Name.N.Value
// (Key for tags); message attributes as Name.N.Value.DataType/StringValue/BinaryValue.
#pragma once

#include <span>
#include <string_view>

#include "common/status.h"
#include "sqs/protocol/action_schema.h"
#include "sqs/protocol/form_decoding.h"
#include "sqs/protocol/params.h"

namespace sluice::sqs::protocol {

// Fills *out with `members`, each read from the fields named `prefix` + its query name
// (prefix is "" for a request, "SendMessageBatchRequestEntry.3." for a batch entry). Fields
// of other names are ignored, as SQS ignores them. Indexes must be 1..N without gaps or
// leading zeros (MalformedQueryString); integers must be decimal 32-bit values and binary
// values base64 (InvalidParameterValue).
Status read_query_members(const FormFields& fields, std::string_view prefix,
                          std::span<const MemberSchema> members, Params* out);

}  // namespace sluice::sqs::protocol
