#include "loadgen/workload.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>
#include <vector>

namespace sluice::loadgen {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kStampBytes = 16;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

void write_stamp(std::string& payload, int64_t ns) {
  static constexpr char kHex[] = "0123456789abcdef";
  auto value = static_cast<uint64_t>(ns);
  for (int i = kStampBytes - 1; i >= 0; --i, value >>= 4)
    payload[static_cast<size_t>(i)] = kHex[value & 15];
}

// -1 when the payload does not start with a stamp (a stray message).
int64_t read_stamp(std::string_view payload) {
  if (payload.size() < kStampBytes) return -1;
  uint64_t value = 0;
  for (int i = 0; i < kStampBytes; ++i) {
    const char c = payload[static_cast<size_t>(i)];
    const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0) return -1;
    value = value << 4 | static_cast<uint64_t>(digit);
  }
  return static_cast<int64_t>(value);
}

// What the producer and consumer threads of one run share.
struct Run {
  Driver& driver;
  const WorkloadOptions& options;
  std::atomic<int> created{0};  // producers and consumers ready (or failed)
  std::atomic<int64_t> start_ns{0};
  int64_t warm_end_ns = 0;
  int64_t end_ns = 0;
  std::atomic<bool> failed{false};
  std::atomic<int64_t> sent{0};      // in the window
  std::atomic<int64_t> received{0};  // in the window
  std::atomic<int64_t> sent_total{0};
  std::atomic<int64_t> received_total{0};
  std::mutex mu;
  std::string error;
  LatencyHistogram histogram;

  void fail(const std::string& what) {
    std::lock_guard lock(mu);
    if (error.empty()) error = what;
    failed = true;
  }
  bool in_window(int64_t stamp) const { return stamp >= warm_end_ns && stamp < end_ns; }
  // Blocks until the runner sets the start time; false when the run failed meanwhile.
  bool wait_for_start() {
    ++created;
    while (start_ns == 0 && !failed) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return !failed;
  }
};

void sleep_until_ns(int64_t due) {
  const int64_t wait = due - now_ns();
  // Sleeping overshoots by tens of microseconds; spin (yielding) for the last stretch.
  if (wait > 200'000) std::this_thread::sleep_for(std::chrono::nanoseconds(wait - 100'000));
  while (now_ns() < due) std::this_thread::yield();
}

void produce(Run& run, int index) {
  auto producer = run.driver.producer(index);
  if (!producer.is_ok()) {
    run.fail("producer " + std::to_string(index) + ": " + producer.status().message());
    ++run.created;
    return;
  }
  if (!run.wait_for_start()) return;
  const WorkloadOptions& options = run.options;
  const int64_t start = run.start_ns;
  const double interval_ns = options.rate > 0 ? 1e9 * options.producers / options.rate : 0;
  const int max_batch = std::max(1, run.driver.max_batch());
  std::vector<std::string> batch;
  const std::string blank(static_cast<size_t>(options.message_size), 'x');
  int64_t stamped = 0;
  while (!run.failed) {
    const int64_t now = now_ns();
    if (now >= run.end_ns) break;
    int64_t count = max_batch;
    if (interval_ns > 0) {
      // Messages 0..k are due at start + k * interval.
      const auto due = static_cast<int64_t>(static_cast<double>(now - start) / interval_ns) + 1;
      if (due <= stamped) {
        sleep_until_ns(start + static_cast<int64_t>(static_cast<double>(stamped) * interval_ns));
        continue;
      }
      count = std::min<int64_t>(due - stamped, max_batch);
    }
    batch.resize(static_cast<size_t>(count), blank);
    for (int64_t i = 0; i < count; ++i) {
      const int64_t stamp =
          interval_ns > 0
              ? start + static_cast<int64_t>(static_cast<double>(stamped + i) * interval_ns)
              : now;
      write_stamp(batch[static_cast<size_t>(i)], stamp);
    }
    if (Status status = (*producer)->send(batch); !status.is_ok()) {
      run.fail("send: " + status.message());
      return;
    }
    stamped += count;
    run.sent_total += count;
    if (run.in_window(now)) run.sent += count;
  }
  if (Status status = (*producer)->flush(); !status.is_ok()) {
    run.fail("flush: " + status.message());
  }
}

void consume(Run& run, int index) {
  auto consumer = run.driver.consumer(index);
  if (!consumer.is_ok()) {
    run.fail("consumer " + std::to_string(index) + ": " + consumer.status().message());
    ++run.created;
    return;
  }
  if (!run.wait_for_start()) return;
  LatencyHistogram histogram;
  int64_t received = 0;
  int64_t received_total = 0;
  const auto on_message = [&](std::string_view payload) {
    const int64_t stamp = read_stamp(payload);
    if (stamp < 0) return;  // not ours
    ++received_total;
    const int64_t now = now_ns();
    if (!run.in_window(now)) return;
    histogram.record(now - stamp);
    ++received;
  };
  while (now_ns() < run.end_ns && !run.failed) {
    if (Status status = (*consumer)->poll(100, on_message); !status.is_ok()) {
      run.fail("poll: " + status.message());
      break;
    }
  }
  run.received += received;
  run.received_total += received_total;
  std::lock_guard lock(run.mu);
  run.histogram.merge(histogram);
}

}  // namespace

Result<WorkloadResult> run_workload(Driver& driver, const WorkloadOptions& options) {
  if (options.message_size < kStampBytes) {
    return Status::invalid_argument("message size below " + std::to_string(kStampBytes) + " bytes");
  }
  if (options.producers < 1 || options.consumers < 1) {
    return Status::invalid_argument("a workload needs producers and consumers");
  }
  SLUICE_RETURN_IF_ERROR(driver.setup(options));
  Run run{driver, options};
  std::vector<std::thread> consumers;
  std::vector<std::thread> producers;
  for (int i = 0; i < options.consumers; ++i) consumers.emplace_back(consume, std::ref(run), i);
  for (int i = 0; i < options.producers; ++i) producers.emplace_back(produce, std::ref(run), i);
  // Connections and subscriptions are made before the clock starts.
  while (run.created < options.consumers + options.producers) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const int64_t start = now_ns();
  run.warm_end_ns = start + static_cast<int64_t>(options.warmup_s * 1e9);
  run.end_ns = run.warm_end_ns + static_cast<int64_t>(options.duration_s * 1e9);
  run.start_ns = start;
  for (auto& producer : producers) producer.join();
  for (auto& consumer : consumers) consumer.join();
  driver.teardown();
  if (run.failed) return Status::io_error(run.error);

  WorkloadResult result;
  result.sent = run.sent;
  result.received = run.received;
  result.backlog = std::max<int64_t>(0, run.sent_total - run.received_total);
  result.send_rate = static_cast<double>(result.sent) / options.duration_s;
  result.receive_rate = static_cast<double>(result.received) / options.duration_s;
  result.megabytes_per_second = result.receive_rate * options.message_size / 1e6;
  result.end_to_end = run.histogram.summary();
  result.histogram = run.histogram;
  return result;
}

}  // namespace sluice::loadgen
