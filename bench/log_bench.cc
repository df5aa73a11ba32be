// Partition log benchmark: append throughput under each fsync policy, read throughput,
// group commit with concurrent appenders, and the raw sequential write bandwidth of the same
// disk measured in the same run, so that every figure is also printed as a ratio to raw. The
// "ceiling" rows show what the disk itself gives when only so many bytes at a time are
// written and waiting for a sync, which bounds the group-commit rows with as many in flight.
//
// Each figure is the median of --runs runs. Usage: log_bench [--dir D] [--mib N] [--runs R]
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include "common/coding.h"
#include "common/file.h"
#include "common/log.h"
#include "storage/log_flusher.h"
#include "storage/partition_log.h"
#include "storage/record_batch_builder.h"

namespace sluice::storage {
namespace {

constexpr size_t kBatchBytes = 64 * 1024;

struct Options {
  std::string dir = "bench-data";
  int64_t mib = 256;  // bytes appended per measurement
  int runs = 3;
  std::string only;  // non-empty: only the rows whose name contains it (the raw row always runs)
};

struct Measurement {
  double seconds = 0;
  double bytes = 0;
  double records = 0;
  double appends = 0;
  double syncs = 0;
  double mb_per_s() const { return bytes / seconds / 1e6; }
  double records_per_s() const { return records / seconds; }
};

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// One batch of about kBatchBytes holding records whose values are `record_size` bytes.
std::string make_64k_batch(size_t record_size, int* records) {
  RecordBatchBuilder builder(system_clock_ms());
  const std::string value(record_size, 'v');
  std::string batch;
  for (*records = 0;; ++*records) {
    builder.add(std::nullopt, value, system_clock_ms());
    if (builder.build().size() > kBatchBytes) break;
  }
  RecordBatchBuilder fitted(system_clock_ms());
  for (int i = 0; i < *records; ++i) fitted.add(std::nullopt, value, system_clock_ms());
  return fitted.build();
}

void fail(const std::string& what, const Status& status) {
  std::fprintf(stderr, "log_bench: %s: %s\n", what.c_str(), status.to_string().c_str());
  std::exit(1);
}

std::filesystem::path fresh_dir(const Options& options, const std::string& name) {
  const auto dir = std::filesystem::path(options.dir) / name;
  std::filesystem::remove_all(dir);
  return dir;
}

// write(2) of `total` bytes in kBatchBytes chunks followed by one fdatasync: what the disk
// gives to a sequential writer with no log on top.
Measurement raw_write(const Options& options) {
  const auto dir = fresh_dir(options, "raw");
  std::filesystem::create_directories(dir);
  const auto total = static_cast<size_t>(options.mib) << 20;
  const std::string chunk(kBatchBytes, 'r');
  auto fd = open_file(dir / "raw.bin", O_WRONLY | O_CREAT | O_TRUNC);
  if (!fd.is_ok()) fail("open raw file", fd.status());
  const auto start = Clock::now();
  for (size_t written = 0; written < total; written += chunk.size()) {
    if (::write(fd->get(), chunk.data(), chunk.size()) != static_cast<ssize_t>(chunk.size())) {
      fail("raw write", Status::from_errno("write", errno));
    }
  }
  if (auto status = fdatasync_fd(fd->get(), "raw"); !status.is_ok()) fail("raw fdatasync", status);
  Measurement m;
  m.seconds = seconds_since(start);
  m.bytes = static_cast<double>(total);
  std::filesystem::remove_all(dir);
  return m;
}

// The ceiling for group commit on this disk when at most `outstanding` bytes are written and
// not yet durable: one thread writes 64 KiB chunks as long as fewer than `outstanding` bytes
// await a sync, another runs fdatasync back to back over whatever has been written. N
// appenders that each wait for their own append before the next keep at most
// N x 64 KiB outstanding, so no log on top can beat this row for that N.
Measurement raw_pipelined(const Options& options, size_t outstanding) {
  const auto dir = fresh_dir(options, "raw");
  std::filesystem::create_directories(dir);
  const auto total = static_cast<size_t>(options.mib) << 20;
  const std::string chunk(kBatchBytes, 'r');
  auto fd = open_file(dir / "raw.bin", O_WRONLY | O_CREAT | O_TRUNC);
  if (!fd.is_ok()) fail("open raw file", fd.status());
  std::mutex mu;
  std::condition_variable cv;
  size_t written = 0;  // GUARDED_BY(mu)
  size_t durable = 0;  // GUARDED_BY(mu)
  Measurement m;
  const auto start = Clock::now();
  std::thread syncer([&] {
    std::unique_lock lock(mu);
    while (durable < total) {
      cv.wait(lock, [&] { return written > durable; });
      const size_t target = written;
      lock.unlock();
      if (auto status = fdatasync_fd(fd->get(), "raw"); !status.is_ok()) fail("fdatasync", status);
      lock.lock();
      durable = target;
      ++m.syncs;
      cv.notify_all();
    }
  });
  for (size_t offset = 0; offset < total; offset += chunk.size()) {
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return offset - durable < outstanding; });
    }
    if (::pwrite(fd->get(), chunk.data(), chunk.size(), static_cast<off_t>(offset)) !=
        static_cast<ssize_t>(chunk.size())) {
      fail("raw write", Status::from_errno("pwrite", errno));
    }
    std::lock_guard lock(mu);
    written = offset + chunk.size();
    cv.notify_all();
  }
  syncer.join();
  m.seconds = seconds_since(start);
  m.bytes = static_cast<double>(total);
  m.appends = static_cast<double>(total / chunk.size());
  std::filesystem::remove_all(dir);
  return m;
}

// `threads` appenders each append copies of one 64 KiB batch until `mib` MiB are in. With
// `in_flight` > 1 an appender pipelines as a producer with max.in.flight does: it writes its
// next batch without waiting for the previous one's durability, and waits only when
// `in_flight` of its appends are not durable yet.
Measurement append(const Options& options, FsyncPolicy policy, size_t record_size, int threads,
                   bool keep_log = false, int in_flight = 1) {
  const auto dir = fresh_dir(options, "log");
  LogConfig config;
  config.fsync = policy;
  config.retention_ms = -1;
  auto log = PartitionLog::open(dir, config);
  if (!log.is_ok()) fail("open log", log.status());
  LogFlusher flusher;  // what the broker runs for fsync=interval logs
  flusher.add(log->get());
  int records_per_batch = 0;
  const std::string batch = make_64k_batch(record_size, &records_per_batch);
  const int64_t total_batches = (options.mib << 20) / static_cast<int64_t>(batch.size());
  std::atomic<int64_t> next{0};
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      std::string copy;
      // Shared with the callbacks: the last release may still be returning when we leave.
      auto slots = std::make_shared<std::counting_semaphore<>>(in_flight);
      while (next.fetch_add(1) < total_batches) {
        slots->acquire();
        copy = batch;  // the write stamps it in place; once it returns the bytes are written
        auto pending = (*log)->append_async(std::span<char>(copy.data(), copy.size()), 0);
        if (!pending.is_ok()) fail("append", pending.status());
        pending->durable.then([slots](Status status) {
          if (!status.is_ok()) fail("append durability", status);
          slots->release();
        });
      }
      for (int i = 0; i < in_flight; ++i) slots->acquire();  // the last ones are durable
    });
  }
  for (auto& worker : workers) worker.join();
  Measurement m;
  m.seconds = seconds_since(start);
  m.bytes = static_cast<double>(total_batches) * static_cast<double>(batch.size());
  m.records = static_cast<double>(total_batches) * records_per_batch;
  m.appends = static_cast<double>(total_batches);
  m.syncs = static_cast<double>((*log)->sync_count());
  flusher.remove(log->get());
  log->reset();
  if (!keep_log) std::filesystem::remove_all(dir);
  return m;
}

// Reads the log that append() left in place from start to end, copying 1 MiB at a time.
Measurement read_all(const Options& options) {
  auto log = PartitionLog::open(std::filesystem::path(options.dir) / "log", LogConfig{});
  if (!log.is_ok()) fail("open log", log.status());
  std::string buffer;
  buffer.reserve(2 << 20);
  ReadOptions read_options;
  read_options.max_bytes = 1 << 20;
  int64_t offset = 0;
  Measurement m;
  const auto start = Clock::now();
  while (offset < (*log)->log_end_offset()) {
    auto read = (*log)->read(offset, read_options);
    if (!read.is_ok()) fail("read", read.status());
    buffer.clear();
    if (auto status = read->append_to(&buffer); !status.is_ok()) fail("read", status);
    // The next offset follows the last batch: walk the headers we just copied.
    size_t position = 0;
    while (position < buffer.size()) {
      const auto view = std::string_view(buffer).substr(position);
      const auto length = static_cast<int32_t>(load_be32(view.data() + format::kBatchLengthPos));
      offset = static_cast<int64_t>(load_be64(view.data())) +
               static_cast<int32_t>(load_be32(view.data() + format::kLastOffsetDeltaPos)) + 1;
      position += static_cast<size_t>(length) + format::kLogOverhead;
    }
    m.bytes += static_cast<double>(buffer.size());
  }
  m.seconds = seconds_since(start);
  m.records = static_cast<double>(offset);
  log->reset();
  std::filesystem::remove_all(std::filesystem::path(options.dir) / "log");
  return m;
}

template <typename F>
Measurement median_of(int runs, F&& measure) {
  std::vector<Measurement> all;
  for (int i = 0; i < runs; ++i) all.push_back(measure());
  std::sort(all.begin(), all.end(),
            [](const Measurement& a, const Measurement& b) { return a.mb_per_s() < b.mb_per_s(); });
  return all[all.size() / 2];
}

void print_row(const std::string& name, const Measurement& m, double raw_mb_per_s) {
  std::printf("%-44s %9.1f MB/s %12.0f rec/s %7.0f%% of raw", name.c_str(), m.mb_per_s(),
              m.records_per_s(), 100.0 * m.mb_per_s() / raw_mb_per_s);
  if (m.syncs > 0) {
    std::printf("  %8.0f appends/s %7.0f fsyncs/s %5.1f appends/fsync", m.appends / m.seconds,
                m.syncs / m.seconds, m.appends / m.syncs);
  }
  std::printf("\n");
  std::fflush(stdout);
}

int run(const Options& options) {
  log::set_default_level(spdlog::level::warn);
  std::filesystem::create_directories(options.dir);
  std::printf("log_bench: %lld MiB per measurement, median of %d runs, 64 KiB batches, dir %s\n\n",
              static_cast<long long>(options.mib), options.runs, options.dir.c_str());

  const Measurement raw = median_of(options.runs, [&] { return raw_write(options); });
  std::printf("%-44s %9.1f MB/s\n", "raw sequential write + fdatasync", raw.mb_per_s());
  const double raw_mb = raw.mb_per_s();

  const auto row = [&](const std::string& name, auto&& measure) {
    if (!options.only.empty() && name.find(options.only) == std::string::npos) return;
    print_row(name, median_of(options.runs, measure), raw_mb);
  };
  const FsyncPolicy policies[] = {FsyncPolicy::always(), FsyncPolicy::interval(100),
                                  FsyncPolicy::never()};
  for (size_t record_size : {size_t{100}, size_t{1024}}) {
    for (const auto& policy : policies) {
      row("append " + std::to_string(record_size) + " B records, fsync=" + policy.to_string(),
          [&] { return append(options, policy, record_size, 1); });
    }
  }
  for (size_t record_size : {size_t{100}, size_t{1024}}) {
    row("read " + std::to_string(record_size) + " B records (page cache)", [&] {
      append(options, FsyncPolicy::never(), record_size, 1, /*keep_log=*/true);
      return read_all(options);
    });
  }
  for (int threads : {1, 8, 64}) {
    row("group commit, fsync=always, " + std::to_string(threads) + " appenders",
        [&] { return append(options, FsyncPolicy::always(), 1024, threads); });
  }
  for (int threads : {1, 8}) {
    for (int in_flight : {4, 8}) {
      row("group commit, fsync=always, " + std::to_string(threads) + " appenders, " +
              std::to_string(in_flight) + " appends in flight each",
          [&] { return append(options, FsyncPolicy::always(), 1024, threads, false, in_flight); });
    }
  }
  // What the rows above can reach at most: N appenders with K appends in flight keep at most
  // N x K x 64 KiB written and not yet durable.
  for (int chunks : {1, 8, 32, 64}) {
    row("ceiling: raw write + fdatasync loop, " + std::to_string(chunks * 64) + " KiB outstanding",
        [&] { return raw_pipelined(options, static_cast<size_t>(chunks) * kBatchBytes); });
  }
  std::filesystem::remove_all(options.dir);
  return 0;
}

}  // namespace
}  // namespace sluice::storage

int main(int argc, char** argv) {
  sluice::storage::Options options;
  CLI::App app{"Partition log benchmark"};
  app.add_option("--dir", options.dir, "Scratch directory on the disk to measure (removed after)")
      ->capture_default_str();
  app.add_option("--mib", options.mib, "MiB appended per measurement")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--runs", options.runs, "Runs per figure; the median is printed")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--only", options.only,
                 "Only the rows whose name contains this text (e.g. \"group commit\")");
  CLI11_PARSE(app, argc, argv);
  return sluice::storage::run(options);
}
