#include "sqs/server/request_auth.h"

#include <fstream>

#include "queues/stored_message.h"
#include "sqs/protocol/request.h"
#include "sqs/protocol/sigv4.h"

namespace sluice::sqs::server {

namespace http = boost::beast::http;

namespace {

std::string_view to_std(boost::beast::string_view view) {
  return std::string_view(view.data(), view.size());
}

}  // namespace

Status AccessKeys::add(std::string_view entry, const std::string& where) {
  const size_t colon = entry.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == entry.size()) {
    return Status::invalid_argument(where + ": an access key must be ID:SECRET");
  }
  const std::string id(entry.substr(0, colon));
  if (!secrets_.emplace(id, std::string(entry.substr(colon + 1))).second) {
    return Status::invalid_argument(where + ": access key id " + id + " is given twice");
  }
  return Status::ok();
}

Result<AccessKeys> AccessKeys::parse(const std::vector<std::string>& pairs,
                                     const std::string& file) {
  AccessKeys keys;
  for (const std::string& pair : pairs) SLUICE_RETURN_IF_ERROR(keys.add(pair, "--sqs-access-key"));
  if (file.empty()) return keys;
  std::ifstream in(file);
  if (!in) return Status::invalid_argument("--sqs-access-keys-file " + file + ": cannot open");
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    SLUICE_RETURN_IF_ERROR(keys.add(line, file + ":" + std::to_string(number)));
  }
  return keys;
}

std::optional<std::string> AccessKeys::secret(std::string_view access_key_id) const {
  const auto it = secrets_.find(access_key_id);
  if (it == secrets_.end()) return std::nullopt;
  return it->second;
}

std::optional<protocol::HttpReply> authenticate(const http::request<http::string_body>& request,
                                                const AccessKeys& keys, int64_t now_ms) {
  if (keys.empty()) return std::nullopt;
  protocol::SignedRequest signed_request{.method = to_std(request.method_string()),
                                         .target = to_std(request.target()),
                                         .headers = {},
                                         .body = request.body()};
  for (const auto& field : request) {
    signed_request.headers.emplace_back(to_std(field.name_string()), to_std(field.value()));
  }
  const protocol::SecretLookup lookup = [&keys](std::string_view id) { return keys.secret(id); };
  const Status status = protocol::verify_sigv4(signed_request, lookup, now_ms);
  if (status.is_ok()) return std::nullopt;
  const protocol::HttpRequestView view{.target = to_std(request.target()),
                                       .amz_target = to_std(request["X-Amz-Target"]),
                                       .body = request.body()};
  return protocol::render_error(protocol::detect_protocol(view),
                                protocol::error_from_status(status), queues::new_message_id());
}

}  // namespace sluice::sqs::server
