#include "cli/admin_client.h"

#include "cli/cli_error.h"

namespace sluice::cli {

AdminClient::AdminClient(std::string admin_url)
    : http_(std::move(admin_url), "--admin-url or SLUICE_ADMIN_URL") {}

nlohmann::json AdminClient::get(const std::string& path) {
  const HttpResponse response = http_.request("GET", path, {}, "");
  if (response.status != 200) {
    throw CliError("GET " + path + " at " + endpoint() + " answered " +
                   std::to_string(response.status) +
                   (response.status == 503 ? " (the broker is starting or stopping; retry)" : ""));
  }
  nlohmann::json document = nlohmann::json::parse(response.body, nullptr, false);
  if (document.is_discarded()) {
    throw CliError("GET " + path + " at " + endpoint() + " returned a body that is not JSON");
  }
  return document;
}

std::optional<nlohmann::json> AdminClient::try_get(const std::string& path, std::string* reason) {
  try {
    return get(path);
  } catch (const CliError& e) {
    *reason = e.what();
    return std::nullopt;
  }
}

}  // namespace sluice::cli
