// SQS end-to-end benchmark over the AWS JSON 1.0 protocol (what @aws-sdk/client-sqs v3 and
// boto3 >= 1.34.90 speak), with Boost.Beast HTTP/1.1 keep-alive clients: one connection
// and one thread per client, each request waiting for its reply, as an SDK worker does.
//
// Phases, each on the same fresh queue:
//   1. send:        C clients send N messages with SendMessage, one per call;
//   2. send-batch:  C clients send N messages with SendMessageBatch, 10 per call;
//   3. drain:       C clients take the 2N messages back with ReceiveMessage(10) and
//                   DeleteMessageBatch;
//   4. end-to-end:  C/2 clients send N messages in batches of 10, paced together to --rate
//                   messages/s, while C/2 clients receive and delete them at the same time.
// Each phase prints messages/s. Every body starts with its send time (steady clock, same
// host), so the receivers measure end-to-end latency (send call started -> message received)
// at p50/p99/p99.9. In the drain phase that latency is mostly time spent queued behind the
// backlog of phases 1-2; phase 4, offered less than the drain rate, describes a flowing
// queue (with --rate 0 it measures a backlog again).
//
//   sluice serve --sqs-listen 127.0.0.1:9324 &
//   sqs_bench --endpoint http://127.0.0.1:9324 --clients 8 --messages 20000 --size 100
//
// Requests are unsigned (the broker accepts any signature unless --sqs-access-key is set).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "sqs_client.h"

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Options {
  std::string endpoint = "http://127.0.0.1:9324";
  int clients = 8;
  int64_t messages = 20'000;
  int size = 100;
  int64_t rate = 2000;  // messages/s the end-to-end phase's senders offer together; 0: unpaced
  std::string queue;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "sqs_bench: %s\n", what.c_str());
  std::exit(1);
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

using Client = sluice::bench::SqsClient;
using Endpoint = sluice::bench::SqsEndpoint;

// A body of `size` bytes starting with the send time: "<20-digit ns>:" then padding.
std::string make_body(int size) {
  char stamp[32];
  std::snprintf(stamp, sizeof(stamp), "%020lld:", static_cast<long long>(now_ns()));
  std::string body(stamp);
  if (static_cast<int>(body.size()) < size) body.append(size - body.size(), 'x');
  return body;
}

int64_t body_sent_ns(const std::string& body) {
  return body.size() >= 20 ? std::stoll(body.substr(0, 20)) : 0;
}

struct Latencies {
  std::mutex mu;
  std::vector<int64_t> ns;
  void add(const std::vector<int64_t>& more) {
    std::lock_guard lock(mu);
    ns.insert(ns.end(), more.begin(), more.end());
  }
  void print() {
    if (ns.empty()) return;
    std::sort(ns.begin(), ns.end());
    const auto at = [&](double q) {
      const size_t i =
          std::min(ns.size() - 1, static_cast<size_t>(q * static_cast<double>(ns.size())));
      return static_cast<double>(ns[i]) / 1e6;
    };
    std::printf("    end-to-end latency ms: p50 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  (n=%zu)\n",
                at(0.50), at(0.99), at(0.999), static_cast<double>(ns.back()) / 1e6, ns.size());
  }
};

// Splits `total` over `workers` and runs `work(client, count)` on each in its own thread;
// returns the elapsed seconds.
template <typename Work>
double run_workers(const Endpoint& endpoint, int workers, int64_t total, Work work) {
  std::vector<std::thread> threads;
  const auto started = Clock::now();
  for (int i = 0; i < workers; ++i) {
    const int64_t count = total / workers + (i < total % workers ? 1 : 0);
    threads.emplace_back([&, count] {
      try {
        Client client(endpoint);
        work(client, count);
      } catch (const std::exception& error) {
        die(error.what());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  return std::chrono::duration<double>(Clock::now() - started).count();
}

void send_single(Client& client, const std::string& url, int size, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    client.call("SendMessage", {{"QueueUrl", url}, {"MessageBody", make_body(size)}});
  }
}

// `rate`: messages/s this sender paces itself to (0: as fast as the replies come).
void send_batches(Client& client, const std::string& url, int size, int64_t count,
                  double rate = 0) {
  const auto started = Clock::now();
  for (int64_t sent = 0; sent < count;) {
    if (rate > 0) {
      std::this_thread::sleep_until(started + std::chrono::nanoseconds(static_cast<int64_t>(
                                                  static_cast<double>(sent) * 1e9 / rate)));
    }
    json entries = json::array();
    for (int i = 0; i < 10 && sent < count; ++i, ++sent) {
      entries.push_back({{"Id", std::to_string(i)}, {"MessageBody", make_body(size)}});
    }
    const json result = client.call("SendMessageBatch", {{"QueueUrl", url}, {"Entries", entries}});
    if (result.contains("Failed") && !result["Failed"].empty())
      die("SendMessageBatch: " + result.dump());
  }
}

// Receives and deletes until `remaining` (shared by all receivers) reaches zero; the receiver
// that takes the last message stores the time in `done_ns` (the others may still sit in a
// long poll that has nothing left to return).
void receive_and_delete(Client& client, const std::string& url, std::atomic<int64_t>& remaining,
                        std::atomic<int64_t>& done_ns, Latencies& latencies) {
  std::vector<int64_t> mine;
  while (remaining.load() > 0) {
    const json result = client.call(
        "ReceiveMessage", {{"QueueUrl", url}, {"MaxNumberOfMessages", 10}, {"WaitTimeSeconds", 1}});
    const int64_t received_at = now_ns();
    if (!result.contains("Messages")) continue;
    json entries = json::array();
    int id = 0;
    for (const json& message : result["Messages"]) {
      mine.push_back(received_at - body_sent_ns(message["Body"].get<std::string>()));
      entries.push_back(
          {{"Id", std::to_string(id++)}, {"ReceiptHandle", message["ReceiptHandle"]}});
    }
    const json deleted =
        client.call("DeleteMessageBatch", {{"QueueUrl", url}, {"Entries", entries}});
    if (deleted.contains("Failed") && !deleted["Failed"].empty())
      die("DeleteMessageBatch: " + deleted.dump());
    if ((remaining -= static_cast<int64_t>(entries.size())) <= 0) {
      int64_t unset = 0;
      done_ns.compare_exchange_strong(unset, now_ns());
    }
  }
  latencies.add(mine);
}

void report(const char* phase, int64_t messages, double seconds) {
  std::printf("%-11s %9lld messages in %7.2f s: %10.0f messages/s\n", phase,
              static_cast<long long>(messages), seconds, static_cast<double>(messages) / seconds);
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"SQS JSON-protocol benchmark: send, batch send, receive+delete, end-to-end"};
  app.add_option("--endpoint", options.endpoint, "SQS endpoint URL")->capture_default_str();
  app.add_option("--clients", options.clients, "Concurrent keep-alive connections")
      ->check(CLI::Range(2, 1024))
      ->capture_default_str();
  app.add_option("--messages", options.messages, "Messages per phase")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--size", options.size, "Message body bytes (at least 21 carry the timestamp)")
      ->check(CLI::Range(21, 1 << 20))
      ->capture_default_str();
  app.add_option("--rate", options.rate,
                 "Messages/s offered by the end-to-end phase's senders (0: unpaced, which "
                 "measures a backlog rather than a flowing queue)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--queue", options.queue, "Queue name (default: sqs-bench-<pid>)");
  CLI11_PARSE(app, argc, argv);
  if (options.queue.empty()) options.queue = "sqs-bench-" + std::to_string(::getpid());
  const Endpoint endpoint = sluice::bench::parse_sqs_endpoint(options.endpoint);

  std::string url;
  try {
    Client setup(endpoint);
    url = setup.call("CreateQueue", {{"QueueName", options.queue}})["QueueUrl"];
  } catch (const std::exception& error) {
    die(std::string("cannot reach ") + options.endpoint + ": " + error.what());
  }
  std::printf(
      "sqs_bench endpoint=%s queue=%s clients=%d messages=%lld size=%d rate=%lld "
      "protocol=json-1.0\n",
      options.endpoint.c_str(), options.queue.c_str(), options.clients,
      static_cast<long long>(options.messages), options.size, static_cast<long long>(options.rate));
  const int64_t n = options.messages;
  const int size = options.size;

  report("send", n, run_workers(endpoint, options.clients, n, [&](Client& client, int64_t count) {
           send_single(client, url, size, count);
         }));
  report("send-batch", n,
         run_workers(endpoint, options.clients, n, [&](Client& client, int64_t count) {
           send_batches(client, url, size, count);
         }));
  {
    std::atomic<int64_t> remaining{2 * n};
    std::atomic<int64_t> done_ns{0};
    Latencies latencies;
    const int64_t started = now_ns();
    run_workers(endpoint, options.clients, 2 * n, [&](Client& client, int64_t) {
      receive_and_delete(client, url, remaining, done_ns, latencies);
    });
    report("drain", 2 * n, static_cast<double>(done_ns.load() - started) / 1e9);
    latencies.print();
  }
  {
    std::atomic<int64_t> remaining{n};
    std::atomic<int64_t> done_ns{0};
    Latencies latencies;
    const int senders = options.clients / 2;
    const int receivers = options.clients - senders;
    const int64_t started = now_ns();
    std::thread receiving([&] {
      run_workers(endpoint, receivers, n, [&](Client& client, int64_t) {
        receive_and_delete(client, url, remaining, done_ns, latencies);
      });
    });
    const double per_sender = static_cast<double>(options.rate) / senders;
    run_workers(endpoint, senders, n, [&](Client& client, int64_t count) {
      send_batches(client, url, size, count, per_sender);
    });
    receiving.join();
    report("end-to-end", n, static_cast<double>(done_ns.load() - started) / 1e9);
    latencies.print();
  }
  Client cleanup(endpoint);
  cleanup.call("DeleteQueue", {{"QueueUrl", url}});
  return 0;
}
