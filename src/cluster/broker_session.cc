#include "cluster/broker_session.h"

#include <algorithm>

#include "common/log.h"

namespace sluice::cluster {

namespace {

std::shared_ptr<spdlog::logger> logger() {
  return log::get("cluster");
}

}  // namespace

BrokerSession::BrokerSession(MetadataStore& store, ClusterKeys keys, BrokerInfo self,
                             BrokerSessionOptions options, BrokerSessionCallbacks callbacks)
    : store_(store),
      keys_(std::move(keys)),
      self_(std::move(self)),
      options_(options),
      callbacks_(std::move(callbacks)),
      election_(store_, keys_, self_.id) {}

BrokerSession::~BrokerSession() {
  stop();
}

void BrokerSession::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
}

void BrokerSession::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  watch_.reset();
  // The thread is gone, so this on_deposed cannot overlap one of its callbacks.
  step_down("stopping");
  if (const LeaseId lease = lease_.exchange(0); lease != 0) {
    auto revoked = store_.revoke_lease(lease);
    if (!revoked.is_ok())
      logger()->warn("lease revoke failed broker={} error=\"{}\"", self_.id, revoked.to_string());
  }
  registered_ = false;
}

void BrokerSession::run() {
  watch_controller();
  while (true) {
    const auto next = step();
    std::unique_lock lock(mu_);
    wake_.wait_until(lock, next, [&] { return stopping_ || controller_changed_; });
    if (stopping_) return;
  }
}

BrokerSession::Clock::time_point BrokerSession::step() {
  bool changed = false;
  bool rewatch = false;
  {
    std::lock_guard lock(mu_);
    changed = std::exchange(controller_changed_, false);
    rewatch = std::exchange(watch_ended_, false);
  }
  if (rewatch) {  // the last watch ended (compacted): a new one, and re-read below
    watch_.reset();
    watch_controller();
  }
  const auto retry = Clock::now() + options_.retry_interval;
  if (!ensure_lease()) return retry;
  if (Clock::now() >= renew_due_) renew();
  if (lease_ == 0) return Clock::now();  // lost: grant a new one at once
  if (!ensure_registered()) return std::min(retry, renew_due_);
  if (epoch_ != 0 && changed) check_controller();
  if (epoch_ == 0 && options_.controller_candidate) campaign();
  return renew_due_;
}

bool BrokerSession::ensure_lease() {
  if (lease_ != 0) return true;
  const auto sent = Clock::now();
  auto granted = store_.grant_lease(options_.lease_ttl_seconds);
  if (!granted.is_ok()) {
    logger()->warn("lease grant failed broker={} error=\"{}\"", self_.id,
                   granted.status().to_string());
    return false;
  }
  lease_ = granted->id;
  renewed_at_ = sent;
  // In milliseconds: seconds(1) / 3 is 0 s, which renewed a 1 or 2 s lease in a busy loop.
  renew_due_ = sent + std::chrono::milliseconds(granted->ttl_seconds * 1000) / 3;
  registered_ = false;
  return true;
}

bool BrokerSession::ensure_registered() {
  if (registered_) return true;
  const std::string key = keys_.broker(self_.id);
  auto created = store_.create(key, encode_broker_info(self_), lease_);
  if (created.is_ok()) {
    registered_ = true;
    logger()->info("broker registered broker={} lease={}", self_.id, lease_.load());
    return true;
  }
  if (created.code() == StoreErrc::kLeaseExpired) {
    lose_lease("lease expired before registering");
    return false;
  }
  if (created.code() == StoreErrc::kConflict) {
    auto existing = store_.get(key);
    // Ours already, when the answer to an earlier attempt was lost.
    if (existing.is_ok() && existing->has_value() && (*existing)->lease == lease_) {
      registered_ = true;
      return true;
    }
    logger()->warn(
        "broker id taken broker={}: another live broker holds {} (retrying until its lease "
        "ends)",
        self_.id, key);
    return false;
  }
  logger()->warn("registration failed broker={} error=\"{}\"", self_.id,
                 created.status().to_string());
  return false;
}

void BrokerSession::renew() {
  const auto sent = Clock::now();
  auto renewed = store_.keep_alive(lease_);
  if (renewed.is_ok()) {
    renewed_at_ = sent;  // etcd extended the lease at or after `sent`
    renew_due_ = sent + std::chrono::milliseconds(*renewed * 1000) / 3;
    return;
  }
  if (renewed.code() == StoreErrc::kLeaseExpired) {
    lose_lease("lease expired");
    if (callbacks_.on_lease_expired) callbacks_.on_lease_expired();
    return;
  }
  // Unreachable: until a whole TTL has passed the lease may still hold, after it we cannot
  // know, so behave as if it is gone.
  if (Clock::now() - renewed_at_ >= std::chrono::seconds(options_.lease_ttl_seconds)) {
    lose_lease("no lease renewal for a whole TTL: " + renewed.status().to_string());
    return;
  }
  renew_due_ = Clock::now() + options_.retry_interval;
}

void BrokerSession::lose_lease(const std::string& why) {
  step_down(why);
  logger()->warn("lease lost broker={} lease={} reason=\"{}\"", self_.id, lease_.load(), why);
  lease_ = 0;
  registered_ = false;
}

void BrokerSession::step_down(const std::string& why) {
  const Revision epoch = epoch_.exchange(0);
  if (epoch == 0) return;
  logger()->warn("controllership lost broker={} epoch={} reason=\"{}\"", self_.id, epoch, why);
  if (callbacks_.on_deposed) callbacks_.on_deposed();
}

void BrokerSession::campaign() {
  auto won = election_.campaign(lease_);
  if (!won.is_ok()) {
    if (won.code() == StoreErrc::kLeaseExpired) lose_lease("lease expired while campaigning");
    return;
  }
  if (!won->has_value()) return;
  epoch_ = **won;
  logger()->info("elected controller broker={} epoch={}", self_.id, **won);
  if (callbacks_.on_elected) callbacks_.on_elected(**won);
}

void BrokerSession::check_controller() {
  auto holder = election_.current();
  if (!holder.is_ok()) return;  // unreachable: the renewal decides
  if (!holder->has_value() || (*holder)->epoch != epoch_)
    step_down("the controller key was deleted or replaced");
}

void BrokerSession::watch_controller() {
  const std::string key = keys_.controller();
  auto watch = store_.watch_prefix(key, 0, [this, key](StoreResult<std::vector<WatchEvent>> batch) {
    std::lock_guard lock(mu_);
    if (!batch.is_ok()) {
      controller_changed_ = true;  // re-read and watch again from the loop
      watch_ended_ = true;
      wake_.notify_all();
      return;
    }
    if (std::any_of(batch->begin(), batch->end(),
                    [&](const WatchEvent& event) { return event.kv.key == key; })) {
      controller_changed_ = true;
      wake_.notify_all();
    }
  });
  if (watch.is_ok()) watch_ = std::move(watch).value();
}

}  // namespace sluice::cluster
