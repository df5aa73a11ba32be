// Vectors: AWS's published SigV4 test suite case "get-vanilla" (service "service",
// 2015-08-30), and requests signed by botocore 1.29's SigV4Auth with a fixed clock
// (2026-11-24T12:34:56Z) and the key pair below, whose headers are pasted here verbatim.
#include "sqs/protocol/sigv4.h"

#include <gtest/gtest.h>

#include "sqs/protocol/errors.h"

namespace sluice::sqs::protocol {
namespace {

constexpr std::string_view kKeyId = "AKIDEXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const int64_t kSignedAtMs = *parse_amz_date("20261124T123456Z");

SecretLookup keys(std::string_view secret = kSecret) {
  return [secret = std::string(secret)](std::string_view id) -> std::optional<std::string> {
    if (id == kKeyId) return secret;
    return std::nullopt;
  };
}

ErrorCode error_code_of(const Status& status) {
  return error_from_status(status).code;
}

// botocore: POST / Action=ListQueues&Version=2012-11-05, region us-east-1.
SignedRequest list_queues_request() {
  return SignedRequest{
      .method = "POST",
      .target = "/",
      .headers = {{"Host", "127.0.0.1:9324"},
                  {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                  {"X-Amz-Date", "20261124T123456Z"},
                  {"Authorization",
                   "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261124/us-east-1/sqs/aws4_request, "
                   "SignedHeaders=content-type;host;x-amz-date, "
                   "Signature=27683d6eeaa49f4eded1bcfc590d8351c82c0aeb2acbc65eb91d0903101e5968"},
                  {"Content-Length", "36"}},
      .body = "Action=ListQueues&Version=2012-11-05"};
}

TEST(SigV4Test, PublishedGetVanillaVector) {
  const SignedRequest request{
      .method = "GET",
      .target = "/",
      .headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}},
      .body = ""};
  const std::vector<std::string> signed_headers = {"host", "x-amz-date"};
  const std::string canonical = sigv4_canonical_request(request, signed_headers, sha256_hex(""));
  EXPECT_EQ(canonical,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string to_sign = sigv4_string_to_sign(
      "20150830T123600Z", "20150830/us-east-1/service/aws4_request", canonical);
  EXPECT_EQ(to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(sigv4_signature("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1",
                            "service", to_sign),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4Test, VerifiesABotocoreQueryRequest) {
  EXPECT_TRUE(verify_sigv4(list_queues_request(), keys(), kSignedAtMs).is_ok());
}

TEST(SigV4Test, VerifiesAPathAndQueryStringInAnotherRegion) {
  // botocore: POST to the queue's URL with the parameters in the query string, eu-west-3.
  const SignedRequest request{
      .method = "POST",
      .target = "/000000000000/q%20a?MessageBody=h%C3%A9llo%20x&Action=SendMessage",
      .headers = {{"Host", "localhost:9324"},
                  {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                  {"X-Amz-Date", "20261124T123456Z"},
                  {"Authorization",
                   "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261124/eu-west-3/sqs/aws4_request, "
                   "SignedHeaders=content-type;host;x-amz-date, "
                   "Signature=1e411c9a7f9f065954d8473e382dd3f3afaf9c2306e08e2234c9e9528c663832"}},
      .body = ""};
  EXPECT_TRUE(verify_sigv4(request, keys(), kSignedAtMs).is_ok());
}

TEST(SigV4Test, VerifiesAJsonRequestSigningTheTargetHeader) {
  const SignedRequest request{
      .method = "POST",
      .target = "/",
      .headers = {{"host", "127.0.0.1:9324"},
                  {"content-type", "application/x-amz-json-1.0"},
                  {"x-amz-target", "AmazonSQS.CreateQueue"},
                  {"x-amz-date", "20261124T123456Z"},
                  {"authorization",
                   "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261124/eu-central-1/sqs/"
                   "aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
                   "Signature=04b2d4f203f23fff7a78c0d0120f8d45ab50636c0f8fb477390b1507ec94a1f8"}},
      .body = R"({"QueueName":"q"})"};
  EXPECT_TRUE(verify_sigv4(request, keys(), kSignedAtMs).is_ok());
  // Any change to a signed part breaks it.
  SignedRequest tampered = request;
  tampered.body = R"({"QueueName":"r"})";
  EXPECT_EQ(error_code_of(verify_sigv4(tampered, keys(), kSignedAtMs)),
            ErrorCode::kSignatureDoesNotMatch);
  tampered = request;
  tampered.headers[2].second = "AmazonSQS.DeleteQueue";
  EXPECT_EQ(error_code_of(verify_sigv4(tampered, keys(), kSignedAtMs)),
            ErrorCode::kSignatureDoesNotMatch);
}

TEST(SigV4Test, WrongSecretIsSignatureDoesNotMatch) {
  const Status status = verify_sigv4(list_queues_request(), keys("not-the-secret"), kSignedAtMs);
  EXPECT_EQ(error_code_of(status), ErrorCode::kSignatureDoesNotMatch);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
}

TEST(SigV4Test, UnknownKeyIdIsInvalidClientTokenId) {
  const SecretLookup nobody = [](std::string_view) { return std::nullopt; };
  EXPECT_EQ(error_code_of(verify_sigv4(list_queues_request(), nobody, kSignedAtMs)),
            ErrorCode::kInvalidClientTokenId);
}

TEST(SigV4Test, ClockWindowIsFiveMinutesEitherWay) {
  const SignedRequest request = list_queues_request();
  EXPECT_TRUE(verify_sigv4(request, keys(), kSignedAtMs + kSigV4ClockSkewMs).is_ok());
  EXPECT_TRUE(verify_sigv4(request, keys(), kSignedAtMs - kSigV4ClockSkewMs).is_ok());
  const Status late = verify_sigv4(request, keys(), kSignedAtMs + kSigV4ClockSkewMs + 1000);
  EXPECT_EQ(error_code_of(late), ErrorCode::kSignatureDoesNotMatch);
  EXPECT_NE(error_from_status(late).message.find("Signature expired"), std::string::npos);
  EXPECT_EQ(error_code_of(verify_sigv4(request, keys(), kSignedAtMs - kSigV4ClockSkewMs - 1000)),
            ErrorCode::kSignatureDoesNotMatch);
}

TEST(SigV4Test, UnsignedRequestIsMissingAuthenticationToken) {
  SignedRequest request = list_queues_request();
  request.headers.erase(request.headers.begin() + 3);
  const Status status = verify_sigv4(request, keys(), kSignedAtMs);
  EXPECT_EQ(error_code_of(status), ErrorCode::kMissingAuthenticationToken);
  EXPECT_EQ(error_info(ErrorCode::kMissingAuthenticationToken).http_status, 403);
}

TEST(SigV4Test, MalformedAuthorizationHeadersAreRejected) {
  for (const std::string_view header : {
           "",
           "AWS4-HMAC-SHA1 Credential=AKIDEXAMPLE/20261124/us-east-1/sqs/aws4_request, "
           "SignedHeaders=host, Signature=00",
           "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261124/us-east-1/sqs, SignedHeaders=host, "
           "Signature=00",
           "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261124/us-east-1/sqs/aws4_request",
           "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261124/us-east-1/sqs/aws4_request, "
           "SignedHeaders=, Signature=00",
           "AWS4-HMAC-SHA256 ,,,==,",
       }) {
    SignedRequest request = list_queues_request();
    request.headers[3].second = header;
    EXPECT_EQ(error_code_of(verify_sigv4(request, keys(), kSignedAtMs)),
              ErrorCode::kSignatureDoesNotMatch)
        << header;
  }
}

TEST(SigV4Test, ScopeDateMustMatchXAmzDate) {
  SignedRequest request = list_queues_request();
  request.headers[2].second = "20261125T123456Z";
  EXPECT_EQ(error_code_of(verify_sigv4(request, keys(), kSignedAtMs + 0)),
            ErrorCode::kSignatureDoesNotMatch);
}

TEST(SigV4Test, SignedHeaderAbsentFromTheRequestIsRejected) {
  SignedRequest request = list_queues_request();
  request.headers.erase(request.headers.begin() + 1);  // Content-Type
  EXPECT_EQ(error_code_of(verify_sigv4(request, keys(), kSignedAtMs)),
            ErrorCode::kSignatureDoesNotMatch);
}

TEST(SigV4Test, ParsesAuthorizationParts) {
  auto parsed = parse_sigv4_authorization(
      "AWS4-HMAC-SHA256 Credential=AK/20261124/ap-south-2/sqs/aws4_request,"
      "SignedHeaders=Host;X-Amz-Date,Signature=ABCDEF");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(parsed->access_key_id, "AK");
  EXPECT_EQ(parsed->date, "20261124");
  EXPECT_EQ(parsed->region, "ap-south-2");
  EXPECT_EQ(parsed->service, "sqs");
  EXPECT_EQ(parsed->signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
  EXPECT_EQ(parsed->signature, "abcdef");
}

TEST(SigV4Test, ParsesAmzDates) {
  EXPECT_EQ(parse_amz_date("19700101T000000Z"), 0);
  EXPECT_EQ(parse_amz_date("20150830T123600Z"), int64_t{1440938160} * 1000);
  EXPECT_EQ(parse_amz_date("20150830T123600"), std::nullopt);
  EXPECT_EQ(parse_amz_date("2015083OT123600Z"), std::nullopt);
  EXPECT_EQ(parse_amz_date("20151330T123600Z"), std::nullopt);
}

}  // namespace
}  // namespace sluice::sqs::protocol
