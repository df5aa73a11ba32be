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
};

// The measured window is the same for both sides, as in the OpenMessaging Benchmark: messages
// handed to the driver in it (`sent`) and messages received in it (`received`, with their
// latency), whatever their stamp. A system that cannot keep up with the offered rate thus
// shows a lower receive rate and a growing latency, not an empty row.
struct WorkloadResult {
  int64_t sent = 0;
  int64_t received = 0;
  // Over the whole run (warm-up included): sent but not received when the run stopped.
  int64_t backlog = 0;
  double send_rate = 0;     // sent / duration
  double receive_rate = 0;  // received / duration: the figure a table shows
  double megabytes_per_second = 0;
  LatencySummary end_to_end;
  LatencyHistogram histogram;
};

// Runs the workload; an error when the driver fails (setup, a send, a poll).
Result<WorkloadResult> run_workload(Driver& driver, const WorkloadOptions& options);

}  // namespace sluice::loadgen
