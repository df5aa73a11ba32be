// A workload in the shape of the OpenMessaging Benchmark's: P producers and C consumers on
// one destination, messages of S bytes, a target rate or max rate, a warm-up and a measured
// duration. Every payload starts with its send time (16 hex digits of steady-clock ns, text
// so that text-only systems such as SQS carry it too). At a fixed rate a message is stamped
// with the time it was due, not the time it went out, so a stalled broker shows in the
// latency instead of slowing the sender (coordinated omission).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "loadgen/driver.h"
#include "loadgen/latency_histogram.h"

namespace sluice::loadgen {

struct WorkloadOptions {
  int producers = 1;
  int consumers = 1;
  int message_size = 1024;  // >= 16: the send time fills the first 16 bytes
  double rate = 0;          // messages/s over all producers; 0: as fast as the system takes them
  double warmup_s = 3;
  double duration_s = 10;
  // After the producers stop, how long the consumers may take to receive the rest.
  double drain_s = 15;
};

struct WorkloadResult {
  // Messages stamped inside the measured window: sent (acknowledged by the broker) and
  // received end to end.
  int64_t sent = 0;
  int64_t received = 0;
  double send_rate = 0;     // sent / duration
  double receive_rate = 0;  // received / duration: the figure a table shows
  double megabytes_per_second = 0;
  LatencySummary end_to_end;
  LatencyHistogram histogram;
};

// Runs the workload; an error when the driver fails (setup, a send, a poll). Messages that
// are sent but not received within drain_s show as received < sent, not as an error.
Result<WorkloadResult> run_workload(Driver& driver, const WorkloadOptions& options);

}  // namespace sluice::loadgen
