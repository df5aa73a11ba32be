#include "net/connection.h"

#include <utility>

namespace sluice::net {

Connection::RequestInFlight::RequestInFlight(std::shared_ptr<detail::ServerCounters> counters)
    : counters_(std::move(counters)) {
  counters_->in_flight.fetch_add(1);
}

Connection::RequestInFlight::~RequestInFlight() {
  if (counters_) counters_->in_flight.fetch_sub(1);  // null once moved from
}

Connection::Connection(asio::ip::tcp::socket socket, std::chrono::milliseconds idle_timeout,
                       std::shared_ptr<detail::ServerCounters> counters)
    : socket_(std::move(socket)),
      idle_timeout_(idle_timeout),
      idle_timer_(socket_.get_executor()),
      counters_(std::move(counters)) {
  boost::system::error_code ec;
  const auto remote = socket_.remote_endpoint(ec);
  peer_ = ec ? "unknown" : remote.address().to_string() + ":" + std::to_string(remote.port());
}

void Connection::arm_idle_timeout() {
  if (idle_timeout_.count() <= 0) return;
  // Re-arming cancels the previous wait; its handler sees operation_aborted.
  idle_timer_.expires_after(idle_timeout_);
  idle_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->on_idle_timer();
  });
}

void Connection::disarm_idle_timeout() {
  idle_timer_.expires_at(asio::steady_timer::time_point::max());
}

void Connection::on_idle_timer() {
  // A wait that completed just before a re-arm or disarm is already queued with success;
  // only a deadline that is still in the past closes the connection.
  if (idle_timer_.expiry() > asio::steady_timer::clock_type::now()) return;
  close();
}

void Connection::close() {
  boost::system::error_code ec;
  idle_timer_.cancel();
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

}  // namespace sluice::net
