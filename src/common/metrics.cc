#include "common/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace sluice::metrics {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double value) {
  // Few buckets: a linear scan beats a binary search's branches.
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

HistogramSnapshot Histogram::snapshot() const {
  HistogramSnapshot snapshot;
  snapshot.bounds = bounds_;
  snapshot.buckets.resize(bounds_.size() + 1);
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    snapshot.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
    snapshot.count += snapshot.buckets[i];
  }
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

std::vector<double> latency_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

namespace {

const char* type_name(Type type) {
  switch (type) {
    case Type::kCounter:
      return "counter";
    case Type::kGauge:
      return "gauge";
    case Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Integers (the usual case: counts, bytes, offsets) print exactly, without exponent.
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return fmt::format("{}", static_cast<int64_t>(value));
  }
  return fmt::format("{}", value);
}

}  // namespace

std::string escape_label_value(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string sample_name(const std::string& name, const Labels& labels) {
  if (labels.empty()) return name;
  std::string out = name + "{";
  bool first = true;
  for (const auto& [key, value] : labels) {
    if (!first) out += ",";
    first = false;
    out += key + "=\"" + escape_label_value(value) + "\"";
  }
  return out + "}";
}

Exposition::Family& Exposition::family(const std::string& name, Type type,
                                       const std::string& help) {
  auto [it, inserted] = families_.try_emplace(name, Family{type, help, {}});
  if (inserted) order_.push_back(name);
  return it->second;
}

void Exposition::add(const std::string& name, Type type, const std::string& help,
                     const Labels& labels, double value) {
  family(name, type, help).lines.push_back(sample_name(name, labels) + " " + format_value(value));
}

void Exposition::add_histogram(const std::string& name, const std::string& help,
                               const Labels& labels, const HistogramSnapshot& snapshot) {
  Family& f = family(name, Type::kHistogram, help);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < snapshot.buckets.size(); ++i) {
    cumulative += snapshot.buckets[i];
    Labels with_le = labels;
    with_le["le"] = i < snapshot.bounds.size() ? format_value(snapshot.bounds[i]) : "+Inf";
    f.lines.push_back(sample_name(name + "_bucket", with_le) + " " + std::to_string(cumulative));
  }
  f.lines.push_back(sample_name(name + "_sum", labels) + " " + format_value(snapshot.sum));
  f.lines.push_back(sample_name(name + "_count", labels) + " " + std::to_string(snapshot.count));
}

std::string Exposition::text() const {
  std::string out;
  for (const auto& name : order_) {
    const Family& f = families_.at(name);
    out += "# HELP " + name + " " + f.help + "\n";
    out += "# TYPE " + name + " " + type_name(f.type) + "\n";
    for (const auto& line : f.lines) out += line + "\n";
  }
  return out;
}

Registry::Entry& Registry::entry(const std::string& name, Type type, const std::string& help) {
  auto [it, inserted] = entries_.try_emplace(name);
  if (inserted) {
    it->second.type = type;
    it->second.help = help;
  } else if (it->second.type != type) {
    throw std::logic_error("metric " + name + " registered with two types");
  }
  return it->second;
}

Counter& Registry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = entry(name, Type::kCounter, help).counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = entry(name, Type::kGauge, help).gauges[labels];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help,
                               const Labels& labels, const std::vector<double>& bounds) {
  std::lock_guard lock(mu_);
  auto& slot = entry(name, Type::kHistogram, help).histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>(bounds);
  return *slot;
}

uint64_t Registry::add_collector(Collector collector) {
  std::lock_guard lock(collectors_mu_);
  const uint64_t id = next_collector_id_++;
  collectors_.emplace(id, std::move(collector));
  return id;
}

void Registry::remove_collector(uint64_t id) {
  std::lock_guard lock(collectors_mu_);
  collectors_.erase(id);
}

std::string Registry::render() const {
  Exposition exposition;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, e] : entries_) {
      for (const auto& [labels, counter] : e.counters) {
        exposition.add(name, Type::kCounter, e.help, labels, static_cast<double>(counter->value()));
      }
      for (const auto& [labels, gauge] : e.gauges) {
        exposition.add(name, Type::kGauge, e.help, labels, gauge->value());
      }
      for (const auto& [labels, histogram] : e.histograms) {
        exposition.add_histogram(name, e.help, labels, histogram->snapshot());
      }
    }
  }
  {
    std::lock_guard lock(collectors_mu_);
    for (const auto& [id, collector] : collectors_) collector(exposition);
  }
  return exposition.text();
}

Registry& default_registry() {
  static Registry* registry = new Registry();  // never destroyed: used until exit
  return *registry;
}

}  // namespace sluice::metrics
