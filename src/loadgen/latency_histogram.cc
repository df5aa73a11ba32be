#include "loadgen/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace sluice::loadgen {

int LatencyHistogram::index_of(int64_t ns) {
  const auto value = static_cast<uint64_t>(std::max<int64_t>(ns, 0));
  if (value < kSubBuckets) return static_cast<int>(value);
  // Shift the value so that it has exactly kSubBits + 1 significant bits.
  const int shift = std::bit_width(value) - (kSubBits + 1);
  const int index = (shift + 1) * kSubBuckets + static_cast<int>((value >> shift) - kSubBuckets);
  return std::min(index, kBuckets - 1);
}

int64_t LatencyHistogram::value_of(int index) {
  if (index < kSubBuckets) return index;
  const int shift = index / kSubBuckets - 1;
  const auto mantissa = static_cast<int64_t>(index % kSubBuckets + kSubBuckets);
  // The middle of the bucket.
  return (mantissa << shift) + ((int64_t{1} << shift) >> 1);
}

void LatencyHistogram::record(int64_t ns) {
  ++counts_[static_cast<size_t>(index_of(ns))];
  ++count_;
  max_ = std::max(max_, ns);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

int64_t LatencyHistogram::quantile(double q) const {
  if (count_ == 0) return 0;
  if (q >= 1.0) return max_;
  // The rank of the value asked for, 1-based: the smallest value with q of the values at or
  // below it.
  const auto rank = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(q * count_)));
  int64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(value_of(static_cast<int>(i)), max_);
  }
  return max_;
}

LatencySummary LatencyHistogram::summary() const {
  return {static_cast<double>(quantile(0.5)) / 1e6, static_cast<double>(quantile(0.99)) / 1e6,
          static_cast<double>(quantile(0.999)) / 1e6, static_cast<double>(max_) / 1e6};
}

}  // namespace sluice::loadgen
