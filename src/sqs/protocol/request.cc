#include "sqs/protocol/request.h"

#include <nlohmann/json.hpp>

#include "sqs/protocol/action_schema.h"
#include "sqs/protocol/errors.h"
#include "sqs/protocol/form_decoding.h"
#include "sqs/protocol/json_reader.h"
#include "sqs/protocol/query_reader.h"

namespace sluice::sqs::protocol {
namespace {

constexpr std::string_view kJsonTargetPrefix = "AmazonSQS.";

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

bool path_names_queue(std::string_view path) {
  return !path.empty() && path != "/";
}

Result<const ActionSchema*> schema_for(std::string_view action) {
  if (action.empty()) return make_error(ErrorCode::kInvalidAction, "the request has no action");
  const ActionSchema* schema = find_action_schema(action);
  if (schema == nullptr) {
    return make_error(ErrorCode::kInvalidAction,
                      "the action " + std::string(action) + " is not valid for this endpoint");
  }
  return schema;
}

// MissingParameter for the first required member absent from *params or from its entries.
// QueueUrl may instead come from the request path.
Status check_required(const Params& params, std::span<const MemberSchema> members,
                      bool queue_in_path) {
  for (const MemberSchema& member : members) {
    if (member.kind == MemberKind::kEntryList) {
      for (const Params& entry : params.entries()) {
        SLUICE_RETURN_IF_ERROR(check_required(entry, member.entry_members, false));
      }
    }
    if (!member.required || params.has(member.name)) continue;
    if (member.name == "QueueUrl" && queue_in_path) continue;
    return missing_parameter(member.name);
  }
  return Status::ok();
}

Result<SqsRequest> finish(SqsRequest request, const ActionSchema& schema) {
  SLUICE_RETURN_IF_ERROR(check_required(request, schema.members, path_names_queue(request.path)));
  return request;
}

}  // namespace

std::optional<std::string> SqsRequest::queue_url() const {
  if (auto url = string_param("QueueUrl")) return url;
  if (path_names_queue(path)) return path;
  return std::nullopt;
}

Protocol detect_protocol(const HttpRequestView& http) {
  return http.amz_target.empty() ? Protocol::kQuery : Protocol::kJson;
}

Result<SqsRequest> parse_request(const HttpRequestView& http) {
  if (detect_protocol(http) == Protocol::kJson) {
    return parse_json_request(http.target, http.amz_target, http.body);
  }
  return parse_query_request(http.target, http.body);
}

Result<SqsRequest> parse_query_request(std::string_view target, std::string_view body) {
  FormFields fields;
  const size_t question = target.find('?');
  if (question != std::string_view::npos) {
    SLUICE_RETURN_IF_ERROR(decode_form(target.substr(question + 1), &fields));
  }
  SLUICE_RETURN_IF_ERROR(decode_form(body, &fields));
  auto action = fields.find("Action");
  SLUICE_ASSIGN_OR_RETURN(const ActionSchema* schema,
                          schema_for(action == fields.end() ? "" : action->second));
  SqsRequest request;
  request.action = std::string(schema->action);
  request.protocol = Protocol::kQuery;
  request.path = std::string(path_of(target));
  SLUICE_RETURN_IF_ERROR(read_query_members(fields, "", schema->members, &request));
  return finish(std::move(request), *schema);
}

Result<SqsRequest> parse_json_request(std::string_view target, std::string_view amz_target,
                                      std::string_view body) {
  if (!amz_target.starts_with(kJsonTargetPrefix)) {
    return make_error(ErrorCode::kInvalidAction,
                      "X-Amz-Target must name an AmazonSQS action, not " + std::string(amz_target));
  }
  SLUICE_ASSIGN_OR_RETURN(const ActionSchema* schema,
                          schema_for(amz_target.substr(kJsonTargetPrefix.size())));
  const nlohmann::json object =
      body.empty() ? nlohmann::json::object() : nlohmann::json::parse(body, nullptr, false);
  if (object.is_discarded()) {
    return make_error(ErrorCode::kSerializationException, "the request body is not valid JSON");
  }
  SqsRequest request;
  request.action = std::string(schema->action);
  request.protocol = Protocol::kJson;
  request.path = std::string(path_of(target));
  SLUICE_RETURN_IF_ERROR(read_json_members(object, schema->members, &request));
  return finish(std::move(request), *schema);
}

}  // namespace sluice::sqs::protocol
