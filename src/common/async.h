// Coroutine helpers shared by the network front ends (Kafka, SQS): running blocking storage
// calls on a thread pool and waiting for callback-based operations, without blocking a
// network thread. Both resume the coroutine on its own executor (its strand), whichever
// thread finished the work.
//
// GCC 12 notes: both use a timer that never expires on its own and is cancelled by the
// completion, instead of asio::async_initiate, which GCC 12 miscompiles when the initiation
// captures state in a coroutine frame.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "common/asio.h"

namespace sluice {

// Starts an operation that reports through a callback and suspends until it does; the
// coroutine resumes on its own executor whichever thread ran the callback.
template <typename T>
asio::awaitable<T> await_callback(std::function<void(std::function<void(T)>)> start) {
  auto executor = co_await asio::this_coro::executor;
  struct State {
    explicit State(asio::any_io_executor ex)
        : wake(std::move(ex), asio::steady_timer::time_point::max()) {}
    std::optional<T> value;
    asio::steady_timer wake;
  };
  auto state = std::make_shared<State>(executor);
  start([state, executor](T value) {
    asio::post(executor, [state, value = std::move(value)]() mutable {
      state->value = std::move(value);
      state->wake.cancel();
    });
  });
  boost::system::error_code ec;
  while (!state->value)
    co_await state->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_return std::move(*state->value);
}

// Runs every job on the blocking pool, all at once, and resumes the caller (on its own
// executor) when the last one has finished.
//
// Lifetime: a pool thread may still hold the completion timer (and the executor) for a
// moment after the caller has resumed, so join the pool before destroying the io_context
// the caller runs on (sluice serve and the tests declare the pool after the io_context).
inline asio::awaitable<void> run_blocking(asio::thread_pool& pool,
                                          std::vector<std::function<void()>> jobs) {
  if (jobs.empty()) co_return;
  auto executor = co_await asio::this_coro::executor;
  // A timer that never fires on its own: the last job cancels it, which resumes us on
  // our own executor.
  auto done = std::make_shared<asio::steady_timer>(executor, asio::steady_timer::time_point::max());
  auto remaining = std::make_shared<std::atomic<size_t>>(jobs.size());
  for (auto& job : jobs) {
    asio::post(pool, [job = std::move(job), done, remaining, executor] {
      job();
      if (remaining->fetch_sub(1) == 1) asio::post(executor, [done] { done->cancel(); });
    });
  }
  boost::system::error_code ec;
  while (remaining->load() > 0) {
    co_await done->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace sluice
