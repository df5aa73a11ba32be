// Collects what a watch delivers and lets a test wait, with a deadline, until enough has
// arrived: no sleeps as synchronisation.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "cluster/metadata_store.h"

namespace sluice::cluster::testing {

class WatchRecorder {
 public:
  WatchCallback callback() {
    return [this](StoreResult<std::vector<WatchEvent>> batch) {
      std::lock_guard lock(mu_);
      if (batch.is_ok()) {
        for (auto& event : *batch) events_.push_back(std::move(event));
      } else {
        error_ = batch.status();
      }
      changed_.notify_all();
    };
  }

  // Waits until at least `count` events have arrived; returns them all (fewer on timeout).
  std::vector<WatchEvent> wait_for_events(
      size_t count, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, limit, [&] { return events_.size() >= count; });
    return events_;
  }

  std::optional<StoreStatus> wait_for_error(
      std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, limit, [&] { return error_.has_value(); });
    return error_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<WatchEvent> events_;
  std::optional<StoreStatus> error_;
};

// Polls `predicate` until it holds or `limit` passes; for state that offers no notification
// (a lease expiring inside etcd).
template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling pace
  }
  return predicate();
}

}  // namespace sluice::cluster::testing
