// The input members of every SQS action, from the service model (botocore's
// sqs/2012-11-05/service-2.json, plus the 2023 message-move-task actions and ReceiveMessage's
// MessageSystemAttributeNames from newer models). Both request parsers are driven by this one
// table, so a member is typed in once. The table also says which actions have an output.
#pragma once

#include <span>
#include <string_view>

namespace sluice::sqs::protocol {

enum class MemberKind {
  kString,
  kInteger,              // the model's Integer: a 32-bit signed value
  kStringList,           // query: <QueryName>.N
  kStringMap,            // query: <QueryName>.N.<KeyName> and <QueryName>.N.Value
  kMessageAttributeMap,  // query: <QueryName>.N.Name and <QueryName>.N.Value.DataType ...
  kEntryList,            // batch entries; query: <QueryName>.N.<entry member>
};

struct MemberSchema {
  std::string_view name;        // the model's member name: what Params is keyed by
  std::string_view json_name;   // the JSON key (differs only for CreateQueue's "tags")
  std::string_view query_name;  // the query protocol's flattened prefix
  MemberKind kind;
  bool required = false;
  std::string_view map_key_name = "Name";  // kStringMap: "Name" for attributes, "Key" for tags
  std::span<const MemberSchema> entry_members = {};  // kEntryList: each entry's members
};

struct ActionSchema {
  std::string_view action;
  std::span<const MemberSchema> members;
  // Whether the action has an output shape. Query responses of actions without one carry no
  // <ActionResult> element.
  bool has_output;
};

// The schema of `action`, or nullptr when SQS has no such action.
const ActionSchema* find_action_schema(std::string_view action);

// Every action, in the model's (alphabetical) order.
std::span<const ActionSchema> all_action_schemas();

}  // namespace sluice::sqs::protocol
