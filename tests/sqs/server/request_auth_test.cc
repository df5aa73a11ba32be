// AccessKeys parsing and authenticate() over a Beast request: an empty table lets anything
// through; with keys, refusals come back in the request's protocol.
#include "sqs/server/request_auth.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "sqs/protocol/sigv4.h"

namespace sluice::sqs::server {
namespace {

namespace http = boost::beast::http;

TEST(AccessKeysTest, ParsesFlagsAndAFile) {
  const auto file =
      std::filesystem::temp_directory_path() / ("sluice_access_keys_" + std::to_string(::getpid()));
  {
    std::ofstream out(file);
    out << "# comment\n\nFILEKEY:secret:with:colons\r\n";
  }
  auto keys = AccessKeys::parse({"FLAGKEY:s1"}, file.string());
  std::filesystem::remove(file);
  ASSERT_TRUE(keys.is_ok()) << keys.status().to_string();
  EXPECT_EQ(keys->size(), 2u);
  EXPECT_EQ(keys->secret("FLAGKEY"), "s1");
  EXPECT_EQ(keys->secret("FILEKEY"), "secret:with:colons");
  EXPECT_EQ(keys->secret("NOPE"), std::nullopt);
}

TEST(AccessKeysTest, RejectsMalformedAndRepeatedEntries) {
  for (const std::string entry : {"nocolon", ":secret", "id:"}) {
    EXPECT_EQ(AccessKeys::parse({entry}, "").status().code(), StatusCode::kInvalidArgument)
        << entry;
  }
  EXPECT_FALSE(AccessKeys::parse({"a:1", "a:2"}, "").is_ok());
  EXPECT_FALSE(AccessKeys::parse({}, "/nonexistent/keys").is_ok());
  EXPECT_TRUE(AccessKeys::parse({}, "")->empty());
}

http::request<http::string_body> json_request() {
  http::request<http::string_body> request{http::verb::post, "/", 11};
  request.set(http::field::host, "127.0.0.1:9324");
  request.set(http::field::content_type, "application/x-amz-json-1.0");
  request.set("X-Amz-Target", "AmazonSQS.ListQueues");
  request.body() = "{}";
  return request;
}

TEST(AuthenticateTest, NoKeysAcceptsAnything) {
  EXPECT_EQ(authenticate(json_request(), AccessKeys{}, 0), std::nullopt);
}

TEST(AuthenticateTest, RefusalsAreInTheRequestsProtocol) {
  auto keys = AccessKeys::parse({"AK:secret"}, "");
  ASSERT_TRUE(keys.is_ok());
  auto refused = authenticate(json_request(), *keys, 0);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 403);
  EXPECT_NE(refused->body.find("com.amazonaws.sqs#MissingAuthenticationToken"), std::string::npos)
      << refused->body;

  // Signed here with the right key: accepted; one byte of body changed: refused.
  auto request = json_request();
  const int64_t now = *protocol::parse_amz_date("20261124T123456Z");
  request.set("X-Amz-Date", "20261124T123456Z");
  const protocol::SignedRequest view{
      .method = "POST",
      .target = "/",
      .headers = {{"host", "127.0.0.1:9324"}, {"x-amz-date", "20261124T123456Z"}},
      .body = "{}"};
  const std::vector<std::string> signed_headers = {"host", "x-amz-date"};
  const std::string signature = protocol::sigv4_signature(
      "secret", "20261124", "us-east-1", "sqs",
      protocol::sigv4_string_to_sign(
          "20261124T123456Z", "20261124/us-east-1/sqs/aws4_request",
          protocol::sigv4_canonical_request(view, signed_headers, protocol::sha256_hex("{}"))));
  request.set(http::field::authorization,
              "AWS4-HMAC-SHA256 Credential=AK/20261124/us-east-1/sqs/aws4_request, "
              "SignedHeaders=host;x-amz-date, Signature=" +
                  signature);
  EXPECT_EQ(authenticate(request, *keys, now), std::nullopt);
  request.body() = "{ }";
  refused = authenticate(request, *keys, now);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 403);
  EXPECT_NE(refused->body.find("SignatureDoesNotMatch"), std::string::npos);

  // The query protocol gets XML.
  http::request<http::string_body> query{http::verb::post, "/", 11};
  query.set(http::field::host, "h");
  query.body() = "Action=ListQueues";
  refused = authenticate(query, *keys, now);
  ASSERT_TRUE(refused.has_value());
  EXPECT_NE(refused->body.find("<Code>MissingAuthenticationToken</Code>"), std::string::npos);
}

}  // namespace
}  // namespace sluice::sqs::server
