// HTTP/1.1 to etcd's JSON gateway: unary POSTs with deadlines, keep-alive connections, and
// failover between the members of an etcd cluster (`--etcd a,b,c`).
//
// Failover rule: a request goes to the preferred member; when that member cannot be reached
// (refused, reset, timed out, 503/Unavailable) the next one becomes preferred. A request that
// may have been applied (it was sent, and no answer came) is retried elsewhere only when it
// is safe to apply twice (`Retry::kSafe`: reads, lease grant/keepalive/revoke); otherwise the
// caller gets kUnavailable and must re-read to learn the outcome.
//
// Thread-safety: call() may be used from any number of threads at once; each call holds one
// connection of its own for its duration.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/store_result.h"

namespace sluice::cluster {

struct EtcdEndpoint {
  std::string host;
  std::string port;
  std::string to_string() const { return "http://" + host + ":" + port; }
};

// Parses "http://h:p,h2:p2" (the scheme is optional, the port defaults to 2379).
StoreResult<std::vector<EtcdEndpoint>> parse_etcd_endpoints(std::string_view list);

struct EtcdTransportOptions {
  // One whole call, failover included.
  std::chrono::milliseconds request_timeout{5000};
  // One connection attempt to one member: short, so that a dead member costs little.
  std::chrono::milliseconds connect_timeout{1000};
  // One request to one member: a member that accepts but never answers (paused, partitioned
  // after connecting) costs this much before a safe request (Retry::kSafe) moves on to the
  // next. An unsafe one waits for its answer until request_timeout.
  std::chrono::milliseconds attempt_timeout{2000};
};

class EtcdTransport {
 public:
  enum class Retry { kSafe, kUnsafe };

  EtcdTransport(std::vector<EtcdEndpoint> endpoints, EtcdTransportOptions options);
  ~EtcdTransport();
  EtcdTransport(const EtcdTransport&) = delete;
  EtcdTransport& operator=(const EtcdTransport&) = delete;

  // POSTs `body` to `path` ("/v3/kv/range") and returns the decoded answer, or the error it
  // carries (etcd_json::decode_error).
  StoreResult<nlohmann::json> call(const std::string& path, const nlohmann::json& body,
                                   Retry retry);

  const std::vector<EtcdEndpoint>& endpoints() const { return endpoints_; }
  // The member requests go to first; moves on when that one fails.
  size_t preferred() const { return preferred_.load(); }
  void member_failed(size_t index);
  const EtcdTransportOptions& options() const { return options_; }

 private:
  struct Connection;
  enum class Outcome { kAnswered, kNotSent, kMaybeApplied };
  struct Attempt {
    Outcome outcome = Outcome::kNotSent;
    int http_status = 0;
    std::string body;
    std::string error;
  };

  Attempt attempt(size_t member, const std::string& path, const std::string& body,
                  std::chrono::steady_clock::time_point deadline);
  std::unique_ptr<Connection> take_idle(size_t member);
  void give_back(std::unique_ptr<Connection> connection);

  const std::vector<EtcdEndpoint> endpoints_;
  const EtcdTransportOptions options_;
  std::atomic<size_t> preferred_{0};
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace sluice::cluster
