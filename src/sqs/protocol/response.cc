#include "sqs/protocol/response.h"

#include <array>
#include <charconv>
#include <nlohmann/json.hpp>

#include "sqs/protocol/action_schema.h"
#include "sqs/protocol/xml_writer.h"

namespace sluice::sqs::protocol {
namespace {

// How the query protocol writes a list or map member: flattened, one element per item or
// entry, as the service model's locationName traits name them.
struct FlatListName {
  std::string_view member;
  std::string_view item;
};
constexpr std::array kFlatLists = {
    FlatListName{"QueueUrls", "QueueUrl"},
    FlatListName{"queueUrls", "QueueUrl"},
    FlatListName{"Messages", "Message"},
    FlatListName{"Failed", "BatchResultErrorEntry"},
    FlatListName{"Results", "ListMessageMoveTasksResultEntry"},
};

struct FlatMapName {
  std::string_view member;
  std::string_view entry;
  std::string_view key;
};
constexpr std::array kFlatMaps = {
    FlatMapName{"Attributes", "Attribute", "Name"},
    FlatMapName{"MessageAttributes", "MessageAttribute", "Name"},
    FlatMapName{"Tags", "Tag", "Key"},
};

class XmlRenderer {
 public:
  XmlRenderer(std::string_view action, std::string* out) : action_(action), out_(*out) {}

  // Writes the members of a structure as child elements.
  void members(const Value& structure) {
    for (size_t i = 0; i < structure.children().size(); ++i) {
      member(structure.names()[i], structure.children()[i]);
    }
  }

 private:
  void member(std::string_view name, const Value& value) {
    switch (value.kind()) {
      case Value::Kind::kList:
        return list(name, value);
      case Value::Kind::kMap:
        return map(name, value);
      default:
        return element(name, value);
    }
  }

  // <name>text</name> for a scalar, <name>members</name> for a structure.
  void element(std::string_view name, const Value& value) {
    if (value.kind() != Value::Kind::kStructure) {
      append_xml_element(out_, name, value.text());
      return;
    }
    open(name);
    members(value);
    close(name);
  }

  void list(std::string_view name, const Value& value) {
    const std::string item = list_item_name(name);
    if (item.empty()) {  // not flattened: the query protocol's default <name><member/></name>
      open(name);
      for (const Value& child : value.children()) element("member", child);
      close(name);
      return;
    }
    for (const Value& child : value.children()) element(item, child);
  }

  void map(std::string_view name, const Value& value) {
    const FlatMapName* flat = nullptr;
    for (const FlatMapName& candidate : kFlatMaps) {
      if (candidate.member == name) flat = &candidate;
    }
    if (flat == nullptr) open(name);
    const std::string_view entry = flat != nullptr ? flat->entry : "entry";
    const std::string_view key = flat != nullptr ? flat->key : "key";
    const std::string_view value_name = flat != nullptr ? "Value" : "value";
    for (size_t i = 0; i < value.children().size(); ++i) {
      open(entry);
      append_xml_element(out_, key, value.names()[i]);
      element(value_name, value.children()[i]);
      close(entry);
    }
    if (flat == nullptr) close(name);
  }

  // The element name of each item of a flattened list member, or "" when not flattened.
  std::string list_item_name(std::string_view member) const {
    // Successful entries are named after the batch action: <SendMessageBatchResultEntry>.
    if (member == "Successful") return std::string(action_) + "ResultEntry";
    for (const FlatListName& flat : kFlatLists) {
      if (flat.member == member) return std::string(flat.item);
    }
    return "";
  }

  void open(std::string_view name) {
    out_ += '<';
    out_ += name;
    out_ += '>';
  }
  void close(std::string_view name) {
    out_ += "</";
    out_ += name;
    out_ += '>';
  }

  std::string_view action_;
  std::string& out_;
};

nlohmann::ordered_json to_json(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kString:
      return value.text();
    case Value::Kind::kInteger: {
      int64_t number = 0;
      std::from_chars(value.text().data(), value.text().data() + value.text().size(), number);
      return number;
    }
    case Value::Kind::kBoolean:
      return value.text() == "true";
    case Value::Kind::kList: {
      nlohmann::ordered_json array = nlohmann::ordered_json::array();
      for (const Value& child : value.children()) array.push_back(to_json(child));
      return array;
    }
    case Value::Kind::kStructure:
    case Value::Kind::kMap:
      break;
  }
  nlohmann::ordered_json object = nlohmann::ordered_json::object();
  for (size_t i = 0; i < value.children().size(); ++i) {
    object[value.names()[i]] = to_json(value.children()[i]);
  }
  return object;
}

}  // namespace

std::string render_xml_response(std::string_view action, const Value& result,
                                std::string_view request_id) {
  const ActionSchema* schema = find_action_schema(action);
  const bool has_output = schema == nullptr || schema->has_output;
  const std::string response = std::string(action) + "Response";
  const std::string result_name = std::string(action) + "Result";
  std::string out = "<?xml version=\"1.0\"?><" + response + " xmlns=\"";
  out += kXmlNamespace;
  out += "\">";
  if (has_output) {
    out += "<" + result_name + ">";
    XmlRenderer(action, &out).members(result);
    out += "</" + result_name + ">";
  }
  out += "<ResponseMetadata>";
  append_xml_element(out, "RequestId", request_id);
  out += "</ResponseMetadata></" + response + ">";
  return out;
}

std::string render_json_response(const Value& result) {
  return to_json(result).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

HttpReply render_response(Protocol protocol, std::string_view action, const Value& result,
                          std::string_view request_id) {
  HttpReply reply;
  reply.status = 200;
  reply.content_type = std::string(response_content_type(protocol));
  reply.headers.emplace_back("x-amzn-RequestId", std::string(request_id));
  reply.body = protocol == Protocol::kJson ? render_json_response(result)
                                           : render_xml_response(action, result, request_id);
  return reply;
}

}  // namespace sluice::sqs::protocol
