// Latency histogram in the manner of HdrHistogram: log-linear buckets (128 linear
// sub-buckets per power of two, so any recorded value is kept within 1% of itself) in a
// fixed array, so recording costs one increment and memory does not grow with the run.
// Shared by every load generator (kafka_load and bench/loadgen).
#pragma once

#include <array>
#include <cstdint>

namespace sluice::loadgen {

struct LatencySummary {
  double p50_ms = 0;
  double p99_ms = 0;
  double p999_ms = 0;
  double max_ms = 0;
};

// Not thread-safe: give each thread its own and merge them when the run ends.
class LatencyHistogram {
 public:
  void record(int64_t ns);
  void merge(const LatencyHistogram& other);
  int64_t count() const { return count_; }
  // The value below which a fraction `q` (0..1) of the recorded values lie, in ns.
  int64_t quantile(double q) const;
  LatencySummary summary() const;

 private:
  static constexpr int kSubBits = 7;
  static constexpr int kSubBuckets = 1 << kSubBits;
  // Values up to 2^48 ns (3 days); larger ones land in the last bucket.
  static constexpr int kBuckets = (48 - kSubBits + 1) * kSubBuckets;
  static int index_of(int64_t ns);
  static int64_t value_of(int index);

  std::array<int64_t, kBuckets> counts_{};
  int64_t count_ = 0;
  int64_t max_ = 0;
};

}  // namespace sluice::loadgen
