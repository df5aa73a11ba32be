// Blocking on an operation that reports through a callback: the blocking forms of the
// asynchronous appends and queue operations (tests, tools, background tasks). Request paths
// never use it; they wait from their coroutine (common/async.h).
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

namespace sluice {

// Starts `start` with a callback and blocks this thread until the callback has run (on any
// thread, or inside `start` itself); returns what it was given.
template <typename T>
T wait_for(const std::function<void(std::function<void(T)>)>& start) {
  struct Waiter {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<T> value;
  };
  auto waiter = std::make_shared<Waiter>();
  start([waiter](T value) {
    std::lock_guard lock(waiter->mu);
    waiter->value.emplace(std::move(value));
    waiter->cv.notify_all();
  });
  std::unique_lock lock(waiter->mu);
  waiter->cv.wait(lock, [&] { return waiter->value.has_value(); });
  return std::move(*waiter->value);
}

}  // namespace sluice
