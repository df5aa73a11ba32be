// The one seam between the workload runner (workload.h) and a messaging system: a driver
// creates the destination (topic, queue, stream) and hands out producers and consumers, each
// used by one thread. Payloads are opaque to drivers; the runner stamps each with its send
// time. One implementation per system lives in bench/loadgen/driver_*.cc.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sluice::loadgen {

struct WorkloadOptions;

class Producer {
 public:
  virtual ~Producer() = default;
  // Sends the payloads. A driver may return before the broker acknowledged them (librdkafka,
  // JetStream async publish) as long as it bounds what is in flight; flush() then waits.
  virtual Status send(const std::vector<std::string>& payloads) = 0;
  // Returns once everything sent is acknowledged.
  virtual Status flush() { return Status::ok(); }
};

class Consumer {
 public:
  virtual ~Consumer() = default;
  // Waits up to `timeout_ms` for messages, calls `on_message` for each, and acknowledges
  // (deletes, XACKs, acks) them before returning.
  virtual Status poll(int timeout_ms, const std::function<void(std::string_view)>& on_message) = 0;
};

class Driver {
 public:
  virtual ~Driver() = default;
  // At most this many payloads per Producer::send (the system's batch: SQS takes 10).
  virtual int max_batch() const = 0;
  // Creates a fresh destination for the run.
  virtual Status setup(const WorkloadOptions& options) = 0;
  virtual Result<std::unique_ptr<Producer>> producer(int index) = 0;
  virtual Result<std::unique_ptr<Consumer>> consumer(int index) = 0;
  // Deletes what setup created, where the system allows it; errors are not fatal.
  virtual void teardown() {}
};

}  // namespace sluice::loadgen
