// Boost.Asio with C++20 coroutines, included the one way that compiles everywhere we
// build: Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#pragma once

// clang-format off
#include <utility>
#include <boost/asio.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
// clang-format on

namespace sluice {
namespace asio = boost::asio;
}  // namespace sluice
