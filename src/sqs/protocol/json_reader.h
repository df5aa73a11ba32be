// Reads an action's members out of an AWS JSON 1.0 request body: the model's member names as
// keys, integers as JSON numbers, lists as arrays, maps as objects, binary values as base64
// strings.
#pragma once

#include <nlohmann/json.hpp>
#include <span>

#include "common/status.h"
#include "sqs/protocol/action_schema.h"
#include "sqs/protocol/params.h"

namespace sluice::sqs::protocol {

// Fills *out with `members` read from `object`. Unknown keys and null values are ignored;
// empty lists and maps count as absent, as they do in the query protocol (which cannot send
// them). A value of the wrong JSON type fails with SerializationException; an integer
// outside 32 bits or a bad base64 value with InvalidParameterValue.
Status read_json_members(const nlohmann::json& object, std::span<const MemberSchema> members,
                         Params* out);

}  // namespace sluice::sqs::protocol
