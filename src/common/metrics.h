// Metrics: counters, gauges and fixed-bucket histograms cheap enough for the hot path (one
// relaxed atomic add each), a registry that owns them by name and labels, and rendering in
// the Prometheus text exposition format (version 0.0.4). No HTTP here: the admin server
// serves Registry::render(), services only count.
//
//   static metrics::Counter& sends = metrics::default_registry().counter(
//       "sluice_example_total", "What it counts", {{"queue", "q1"}});
//   sends.inc();
//
// State that already lives in a service (log offsets, queue depths) is not copied into
// gauges: a collector added with Registry::add_collector() reads it at scrape time.
//
// Thread-safe: every method may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace sluice::metrics {

// Label name -> value, rendered in name order.
using Labels = std::map<std::string, std::string>;

class Counter {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

struct HistogramSnapshot {
  std::vector<double> bounds;     // upper bounds, ascending; +Inf is implied
  std::vector<uint64_t> buckets;  // per bucket (not cumulative); one more than bounds
  uint64_t count = 0;
  double sum = 0;
};

class Histogram {
 public:
  // `bounds` are the buckets' upper bounds ("le"), ascending.
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  HistogramSnapshot snapshot() const;

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
};

// Latency buckets in seconds, 100 µs to 10 s: request and fsync times.
std::vector<double> latency_buckets();

enum class Type { kCounter, kGauge, kHistogram };

// One scrape's worth of samples, grouped into families by name and rendered in the text
// format. Collectors add to it; families keep the order in which they first appear.
class Exposition {
 public:
  void add(const std::string& name, Type type, const std::string& help, const Labels& labels,
           double value);
  void add_histogram(const std::string& name, const std::string& help, const Labels& labels,
                     const HistogramSnapshot& snapshot);
  std::string text() const;

 private:
  struct Family {
    Type type;
    std::string help;
    std::vector<std::string> lines;
  };
  Family& family(const std::string& name, Type type, const std::string& help);

  std::vector<std::string> order_;
  std::map<std::string, Family> families_;
};

// Escapes a label value for the text format (backslash, double quote, newline).
std::string escape_label_value(const std::string& value);
// `name{a="1",b="2"}` (just `name` without labels).
std::string sample_name(const std::string& name, const Labels& labels);

class Registry {
 public:
  using Collector = std::function<void(Exposition&)>;

  // The metric of that name and labels, created on first use; the reference stays valid
  // for the registry's life. A name is of one type only (a mismatch throws logic_error:
  // a programming error).
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help, const Labels& labels = {},
                       const std::vector<double>& bounds = latency_buckets());

  // Runs `collector` on every render(); returns an id for remove_collector(). A collector
  // must not call back into the registry.
  uint64_t add_collector(Collector collector);
  // Once this returns the collector is no longer running and will not run again.
  void remove_collector(uint64_t id);

  // Every metric and every collector's samples, in the text format.
  std::string render() const;

 private:
  struct Entry {
    Type type;
    std::string help;
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
    std::map<Labels, std::unique_ptr<Histogram>> histograms;
  };
  Entry& entry(const std::string& name, Type type, const std::string& help);

  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;      // GUARDED_BY(mu_)
  mutable std::mutex collectors_mu_;          // held while collectors run
  uint64_t next_collector_id_ = 1;            // GUARDED_BY(collectors_mu_)
  std::map<uint64_t, Collector> collectors_;  // GUARDED_BY(collectors_mu_)
};

// The process's registry, which `/metrics` serves.
Registry& default_registry();

}  // namespace sluice::metrics
