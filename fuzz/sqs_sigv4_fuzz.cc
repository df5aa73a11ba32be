// libFuzzer target: SigV4 verification of arbitrary requests. The input is split on '\n'
// into the request target, the Authorization header, X-Amz-Date and the body; verification
// must answer OK or an SQS error (never crash, hang or throw), and a refusal must render in
// both protocols.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sqs/protocol/errors.h"
#include "sqs/protocol/sigv4.h"

namespace protocol = sluice::sqs::protocol;

namespace {

std::string_view next_line(std::string_view& input) {
  const size_t newline = input.find('\n');
  const std::string_view line = input.substr(0, newline);
  input = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string_view target = next_line(input);
  const std::string_view authorization = next_line(input);
  const std::string_view date = next_line(input);
  const protocol::SignedRequest request{.method = "POST",
                                        .target = target,
                                        .headers = {{"Host", "127.0.0.1:9324"},
                                                    {"Authorization", authorization},
                                                    {"X-Amz-Date", date},
                                                    {"Content-Type", "text/plain"}},
                                        .body = input};
  const protocol::SecretLookup secrets = [](std::string_view id) -> std::optional<std::string> {
    if (id == "AK") return std::string("secret");
    return std::nullopt;
  };
  const auto now = protocol::parse_amz_date(date);
  const sluice::Status status = protocol::verify_sigv4(request, secrets, now.value_or(0));
  if (!status.is_ok()) {
    const protocol::SqsError error = protocol::error_from_status(status);
    (void)protocol::render_error(protocol::Protocol::kQuery, error, "fuzz");
    (void)protocol::render_error(protocol::Protocol::kJson, error, "fuzz");
  }
  (void)protocol::parse_sigv4_authorization(authorization);
  return 0;
}
