#include "common/metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace sluice::metrics {
namespace {

TEST(Metrics, CounterAndGaugeRenderWithHelpTypeAndLabels) {
  Registry registry;
  registry.counter("sluice_things_total", "Things seen", {{"kind", "a"}}).inc(3);
  registry.counter("sluice_things_total", "Things seen", {{"kind", "b"}}).inc();
  registry.gauge("sluice_depth", "Depth").set(2.5);
  EXPECT_EQ(registry.render(),
            "# HELP sluice_depth Depth\n"
            "# TYPE sluice_depth gauge\n"
            "sluice_depth 2.5\n"
            "# HELP sluice_things_total Things seen\n"
            "# TYPE sluice_things_total counter\n"
            "sluice_things_total{kind=\"a\"} 3\n"
            "sluice_things_total{kind=\"b\"} 1\n");
}

TEST(Metrics, SameNameAndLabelsIsTheSameMetric) {
  Registry registry;
  Counter& first = registry.counter("sluice_x_total", "x", {{"a", "1"}});
  Counter& second = registry.counter("sluice_x_total", "x", {{"a", "1"}});
  EXPECT_EQ(&first, &second);
  EXPECT_THROW(registry.gauge("sluice_x_total", "x"), std::logic_error);
}

TEST(Metrics, HistogramBucketsAreCumulativeWithSumAndCount) {
  Registry registry;
  Histogram& histogram =
      registry.histogram("sluice_latency_seconds", "Latency", {{"api", "P"}}, {0.125, 1});
  histogram.observe(0.0625);
  histogram.observe(0.125);  // on the bound: counted in that bucket (le)
  histogram.observe(0.5);
  histogram.observe(3);
  EXPECT_EQ(registry.render(),
            "# HELP sluice_latency_seconds Latency\n"
            "# TYPE sluice_latency_seconds histogram\n"
            "sluice_latency_seconds_bucket{api=\"P\",le=\"0.125\"} 2\n"
            "sluice_latency_seconds_bucket{api=\"P\",le=\"1\"} 3\n"
            "sluice_latency_seconds_bucket{api=\"P\",le=\"+Inf\"} 4\n"
            "sluice_latency_seconds_sum{api=\"P\"} 3.6875\n"
            "sluice_latency_seconds_count{api=\"P\"} 4\n");
}

TEST(Metrics, LabelValuesAreEscaped) {
  EXPECT_EQ(sample_name("m", {{"q", "a\"b\\c\nd"}}), "m{q=\"a\\\"b\\\\c\\nd\"}");
}

TEST(Metrics, CollectorsAddFamiliesAtScrapeTimeAndCanBeRemoved) {
  Registry registry;
  int scrapes = 0;
  const uint64_t id = registry.add_collector([&](Exposition& out) {
    ++scrapes;
    out.add("sluice_queue_messages_visible", Type::kGauge, "Visible", {{"queue", "q1"}}, 7);
    out.add("sluice_queue_messages_visible", Type::kGauge, "Visible", {{"queue", "q2"}}, 0);
  });
  EXPECT_EQ(registry.render(),
            "# HELP sluice_queue_messages_visible Visible\n"
            "# TYPE sluice_queue_messages_visible gauge\n"
            "sluice_queue_messages_visible{queue=\"q1\"} 7\n"
            "sluice_queue_messages_visible{queue=\"q2\"} 0\n");
  registry.remove_collector(id);
  EXPECT_EQ(registry.render(), "");
  EXPECT_EQ(scrapes, 1);
}

TEST(Metrics, ConcurrentIncrementsAreAllCounted) {
  Registry registry;
  Counter& counter = registry.counter("sluice_c_total", "c");
  Histogram& histogram = registry.histogram("sluice_h_seconds", "h");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        counter.inc();
        histogram.observe(0.001);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter.value(), 40000u);
  EXPECT_EQ(histogram.snapshot().count, 40000u);
}

}  // namespace
}  // namespace sluice::metrics
