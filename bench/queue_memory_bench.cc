// Queue memory benchmark: a backlog of --messages messages of 100 bytes in one standard
// queue, through the service API (QueueManager and Queue, no HTTP). Reports the resident
// memory with the backlog held (VmRSS and VmHWM from /proc/self/status), the fill rate, the
// time to reopen the queue with and without a checkpoint, and receives and deletes a sample.
//
// Usage: queue_memory_bench [--messages N] [--dir D] [--threads T] [--fsync always|never]
//                           [--sample S] [--keep]
// --fsync never relaxes the fill (appends reach the page cache, no fdatasync: see
// QueueStorageOptions::fsync); the broker itself always fsyncs.
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "common/log.h"
#include "queues/queue_manager.h"

namespace sluice::queues {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int64_t messages = 10'000'000;
  std::string dir = "build/queue-memory-bench";
  int threads = 4;
  std::string fsync = "always";
  int64_t sample = 10'000;
  bool keep = false;
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A field of /proc/self/status in MiB ("VmRSS", "VmHWM").
double status_mib(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1)) / 1024;
  }
  return -1;
}

void report_memory(const char* when) {
  std::printf("%-34s VmRSS %8.1f MiB  VmHWM %8.1f MiB\n", when, status_mib("VmRSS"),
              status_mib("VmHWM"));
  std::fflush(stdout);
}

QueueManagerOptions manager_options(const Options& options, bool checkpoint_on_close) {
  QueueManagerOptions manager;
  manager.queue_storage.fsync = options.fsync == "always";
  manager.queue_storage.checkpoint_on_close = checkpoint_on_close;
  return manager;
}

// Opens the manager over `dir` and reports how long it took to be ready.
std::unique_ptr<QueueManager> reopen(const Options& options, const char* what) {
  malloc_trim(0);  // give the previous manager's memory back, so VmRSS shows this one
  const auto start = Clock::now();
  auto manager = QueueManager::open(options.dir, manager_options(options, true));
  const double took = seconds_since(start);
  if (!manager.is_ok()) {
    std::fprintf(stderr, "reopen failed: %s\n", manager.status().to_string().c_str());
    std::exit(1);
  }
  std::printf("reopen %-27s %8.2f s\n", what, took);
  report_memory("  after reopen");
  return std::move(*manager);
}

int run(const Options& options) {
  std::filesystem::remove_all(options.dir);
  report_memory("start");
  // The fill's manager closes without a checkpoint: the first reopen replays the log.
  auto opened = QueueManager::open(options.dir, manager_options(options, false));
  if (!opened.is_ok()) {
    std::fprintf(stderr, "open failed: %s\n", opened.status().to_string().c_str());
    return 1;
  }
  std::unique_ptr<QueueManager> manager = std::move(*opened);
  auto created = manager->create_queue("bench", {}, {});
  if (!created.is_ok()) {
    std::fprintf(stderr, "create failed: %s\n", created.status().to_string().c_str());
    return 1;
  }
  std::shared_ptr<Queue> queue = std::move(*created);

  const int64_t batches = options.messages / 10;
  std::atomic<int64_t> next_batch{0};
  std::atomic<bool> failed{false};
  const auto fill_start = Clock::now();
  std::vector<std::thread> senders;
  for (int t = 0; t < options.threads; ++t) {
    senders.emplace_back([&, t] {
      std::vector<SendRequest> batch(10);
      for (size_t i = 0; i < batch.size(); ++i) {
        batch[i].body = std::string(100, static_cast<char>('a' + (t + i) % 26));
      }
      while (next_batch.fetch_add(1) < batches && !failed) {
        auto sent = queue->send_batch(batch);
        if (!sent.is_ok() || !(*sent)[0].is_ok()) failed = true;
      }
    });
  }
  for (auto& sender : senders) sender.join();
  const double fill_s = seconds_since(fill_start);
  if (failed) {
    std::fprintf(stderr, "a send failed\n");
    return 1;
  }
  const int64_t sent = batches * 10;
  std::printf("fill: %lld messages of 100 B, batches of 10, %d threads, fsync=%s\n",
              static_cast<long long>(sent), options.threads, options.fsync.c_str());
  std::printf("fill time                          %8.2f s  (%.0f messages/s)\n", fill_s,
              static_cast<double>(sent) / fill_s);
  const QueueCounts counts = queue->counts();
  std::printf("visible messages                   %lld\n", static_cast<long long>(counts.visible));
  report_memory("with the backlog (after fill)");

  queue.reset();
  if (!manager->close().is_ok()) return 1;
  manager.reset();
  manager = reopen(options, "(no checkpoint: full replay)");

  auto close_start = Clock::now();
  if (!manager->close().is_ok()) return 1;  // writes the checkpoint
  std::printf("close with checkpoint              %8.2f s\n", seconds_since(close_start));
  manager.reset();
  manager = reopen(options, "(from the checkpoint)");

  queue = std::move(*manager->get_queue("bench"));
  const auto sample_start = Clock::now();
  int64_t handled = 0;
  while (handled < options.sample) {
    auto received = queue->receive(ReceiveRequest{10, 600});
    if (!received.is_ok() || received->empty()) {
      std::fprintf(stderr, "receive failed or came back empty\n");
      return 1;
    }
    for (const ReceivedMessage& message : *received) {
      if (message.body.size() != 100 || !queue->delete_message(message.receipt_handle).is_ok()) {
        std::fprintf(stderr, "bad message or delete failed\n");
        return 1;
      }
      ++handled;
    }
  }
  const double sample_s = seconds_since(sample_start);
  std::printf("receive+delete sample              %lld messages in %.2f s (%.0f/s)\n",
              static_cast<long long>(handled), sample_s, static_cast<double>(handled) / sample_s);
  std::printf("visible after the sample           %lld\n",
              static_cast<long long>(queue->counts().visible));
  report_memory("end");
  queue.reset();
  if (!manager->close().is_ok()) return 1;
  manager.reset();
  if (!options.keep) std::filesystem::remove_all(options.dir);
  return 0;
}

}  // namespace
}  // namespace sluice::queues

int main(int argc, char** argv) {
  sluice::queues::Options options;
  CLI::App app{"Queue memory benchmark: a large backlog in one SQS queue"};
  app.add_option("--messages", options.messages, "messages to send (multiple of 10)");
  app.add_option("--dir", options.dir, "data directory (removed first)");
  app.add_option("--threads", options.threads, "concurrent senders");
  app.add_option("--fsync", options.fsync, "always (the broker's policy) or never (relaxed)")
      ->check(CLI::IsMember({"always", "never"}));
  app.add_option("--sample", options.sample, "messages received and deleted at the end");
  app.add_flag("--keep", options.keep, "keep the data directory");
  CLI11_PARSE(app, argc, argv);
  return sluice::queues::run(options);
}
