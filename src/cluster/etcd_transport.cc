#include "cluster/etcd_transport.h"

#include <algorithm>
#include <thread>

#include "cluster/blocking_http_stream.h"
#include "cluster/etcd_json.h"

namespace sluice::cluster {

namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

struct EtcdTransport::Connection {
  size_t member = 0;
  bool reused = false;  // it served a request before: the member may have closed it since
  BlockingHttpStream stream;
};

StoreResult<std::vector<EtcdEndpoint>> parse_etcd_endpoints(std::string_view list) {
  std::vector<EtcdEndpoint> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = list.substr(start, comma - start);
    start = comma + 1;
    if (item.empty()) continue;
    if (item.starts_with("https://"))
      return StoreStatus::invalid_argument("etcd endpoint '" + std::string(item) +
                                           "': TLS is not supported yet; use http://");
    if (item.starts_with("http://")) item.remove_prefix(7);
    item = item.substr(0, item.find('/'));
    const size_t colon = item.rfind(':');
    EtcdEndpoint endpoint;
    endpoint.host = std::string(item.substr(0, colon));
    endpoint.port = colon == std::string_view::npos ? "2379" : std::string(item.substr(colon + 1));
    if (endpoint.host.empty() || endpoint.port.empty())
      return StoreStatus::invalid_argument("etcd endpoint '" + std::string(item) +
                                           "' is not host:port");
    out.push_back(std::move(endpoint));
  }
  if (out.empty()) return StoreStatus::invalid_argument("no etcd endpoint given");
  return out;
}

EtcdTransport::EtcdTransport(std::vector<EtcdEndpoint> endpoints, EtcdTransportOptions options)
    : endpoints_(std::move(endpoints)), options_(options) {}

EtcdTransport::~EtcdTransport() = default;

void EtcdTransport::member_failed(size_t index) {
  size_t expected = index;
  // Only the first of several concurrent failures of one member moves the preference on.
  preferred_.compare_exchange_strong(expected, (index + 1) % endpoints_.size());
}

std::unique_ptr<EtcdTransport::Connection> EtcdTransport::take_idle(size_t member) {
  std::lock_guard lock(mu_);
  auto it = std::find_if(idle_.begin(), idle_.end(),
                         [member](const auto& connection) { return connection->member == member; });
  if (it == idle_.end()) return nullptr;
  auto connection = std::move(*it);
  idle_.erase(it);
  return connection;
}

void EtcdTransport::give_back(std::unique_ptr<Connection> connection) {
  connection->reused = true;
  std::lock_guard lock(mu_);
  // A handful is enough: the store's callers are a few background threads.
  if (idle_.size() < 8) idle_.push_back(std::move(connection));
}

EtcdTransport::Attempt EtcdTransport::attempt(size_t member, const std::string& path,
                                              const std::string& body, Clock::time_point deadline) {
  const EtcdEndpoint& endpoint = endpoints_[member];
  auto connection = take_idle(member);
  // A keep-alive connection the member closed while it sat idle fails on first use without
  // the request having reached it; one fresh connection then tells the two cases apart.
  for (int tries = 0; tries < 2; ++tries) {
    if (!connection) {
      connection = std::make_unique<Connection>();
      connection->member = member;
      const auto connect_deadline = std::min(deadline, Clock::now() + options_.connect_timeout);
      if (auto ec = connection->stream.connect(endpoint.host, endpoint.port, connect_deadline))
        return {Outcome::kNotSent, 0, {}, "connect " + endpoint.to_string() + ": " + ec.message()};
    }
    BlockingHttpStream::Request request{http::verb::post, path, 11};
    request.set(http::field::host, endpoint.host + ":" + endpoint.port);
    request.set(http::field::content_type, "application/json");
    request.keep_alive(true);
    request.body() = body;
    request.prepare_payload();
    const bool reused = connection->reused;
    BlockingHttpStream::Response response;
    auto ec = connection->stream.write(request, deadline);
    if (!ec) ec = connection->stream.read(response, deadline);
    if (!ec) {
      Attempt answered{Outcome::kAnswered,
                       static_cast<int>(response.result_int()),
                       std::move(response.body()),
                       {}};
      if (response.keep_alive()) give_back(std::move(connection));
      return answered;
    }
    const bool stale = reused && (ec == http::error::end_of_stream ||
                                  ec == asio::error::connection_reset || ec == asio::error::eof);
    if (stale) {
      connection.reset();
      continue;
    }
    return {Outcome::kMaybeApplied, 0, {}, endpoint.to_string() + path + ": " + ec.message()};
  }
  return {Outcome::kMaybeApplied, 0, {}, endpoint.to_string() + path + ": connection closed"};
}

StoreResult<nlohmann::json> EtcdTransport::call(const std::string& path, const nlohmann::json& body,
                                                Retry retry) {
  const auto deadline = Clock::now() + options_.request_timeout;
  const std::string text = body.dump();
  std::string last_error;
  // Each round tries every member once, starting at the preferred one; rounds repeat (with a
  // short pause) until the deadline, which rides out an election among the members.
  for (int round = 0; Clock::now() < deadline; ++round) {
    const size_t first = preferred();
    for (size_t i = 0; i < endpoints_.size() && Clock::now() < deadline; ++i) {
      const size_t member = (first + i) % endpoints_.size();
      // A write that may have been applied cannot move on anyway, so it waits for its answer
      // as long as the call may (an election among the members takes a moment).
      const auto attempt_deadline =
          retry == Retry::kSafe ? std::min(deadline, Clock::now() + options_.attempt_timeout)
                                : deadline;
      Attempt result = attempt(member, path, text, attempt_deadline);
      if (result.outcome == Outcome::kMaybeApplied && retry == Retry::kUnsafe) {
        member_failed(member);
        return StoreStatus::unavailable("no answer, outcome unknown: " + result.error);
      }
      if (result.outcome != Outcome::kAnswered) {
        member_failed(member);
        last_error = result.error;
        continue;
      }
      auto decoded = nlohmann::json::parse(result.body, nullptr, false);
      if (decoded.is_discarded()) decoded = nlohmann::json::object();
      auto status = etcd_json::decode_error(result.http_status, decoded);
      if (status.is_ok()) return decoded;
      // Unavailable (no leader, too many requests) is refused before it is applied: another
      // member, or the same one a moment later, may serve it. "request timed out" (also
      // Unavailable) was proposed and may yet be applied.
      if (status.code() != StoreErrc::kUnavailable) return status;
      if (retry == Retry::kUnsafe && status.message().find("timed out") != std::string::npos)
        return StoreStatus::unavailable("outcome unknown: " + status.message());
      member_failed(member);
      last_error = endpoints_[member].to_string() + path + ": " + status.message();
    }
    const auto pause = std::chrono::milliseconds(std::min(50 * (round + 1), 250));
    if (Clock::now() + pause >= deadline) break;
    std::this_thread::sleep_for(pause);  // backoff between rounds, not a synchronisation
  }
  return StoreStatus::unavailable("etcd unreachable: " + last_error);
}

}  // namespace sluice::cluster
