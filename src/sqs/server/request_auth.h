// SigV4 checking of SQS requests against a table of access keys (protocol/sigv4.h does the
// cryptography). With an empty table every request is accepted whatever it is signed with,
// which is what the SDKs' dummy credentials need; with keys configured, each request must be
// signed by one of them.
//
//   auto keys = AccessKeys::parse({"AKID:secret"}, "keys.txt");   // flags, then a file
//   if (auto refused = authenticate(request, *keys, now_ms)) reply = *refused;
#pragma once

#include <boost/beast/http.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sqs/protocol/errors.h"

namespace sluice::sqs::server {

class AccessKeys {
 public:
  // `pairs` are "ID:SECRET" (the id cannot contain ':'; the secret may). `file`, when not
  // empty, holds one ID:SECRET per line; blank lines and lines starting with '#' are
  // skipped. InvalidArgument for a malformed entry or a repeated id.
  static Result<AccessKeys> parse(const std::vector<std::string>& pairs, const std::string& file);

  bool empty() const { return secrets_.empty(); }
  size_t size() const { return secrets_.size(); }
  std::optional<std::string> secret(std::string_view access_key_id) const;

 private:
  Status add(std::string_view entry, const std::string& where);
  std::map<std::string, std::string, std::less<>> secrets_;
};

// nullopt when `request` may proceed: `keys` is empty or the signature verifies. Otherwise
// the 403 reply, in the request's protocol.
std::optional<protocol::HttpReply> authenticate(
    const boost::beast::http::request<boost::beast::http::string_body>& request,
    const AccessKeys& keys, int64_t now_ms);

}  // namespace sluice::sqs::server
