// One keep-alive HTTP/1.1 connection from the CLI to a broker listener (the SQS API or the
// admin API), with the endpoint parsed from "http://host:port".
#pragma once

#include <map>
#include <memory>
#include <string>

namespace sluice::cli {

struct HttpResponse {
  int status = 0;
  std::string body;
};

class HttpClient {
 public:
  // `endpoint` is "http://host[:port]"; `setting` names where it came from (flag and env var)
  // for the message when it cannot be reached. A malformed endpoint is a usage error.
  HttpClient(std::string endpoint, std::string setting);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and reads the response (40 s at most: beyond a 20 s long poll).
  // CliError when the listener cannot be reached.
  HttpResponse request(const std::string& method, const std::string& target,
                       const std::map<std::string, std::string>& headers, const std::string& body);

  const std::string& endpoint() const { return endpoint_; }

 private:
  struct Connection;
  std::string endpoint_;
  std::string setting_;
  std::string host_;
  std::string port_;
  std::unique_ptr<Connection> connection_;
};

}  // namespace sluice::cli
