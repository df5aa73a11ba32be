// A broker's membership of the cluster, kept on one background thread: a lease kept alive,
// the broker's registration bound to it (/sluice/<cluster>/brokers/<id>), and its candidacy
// for controller (controller_election.h).
//
// - Registration is create-if-absent: a second live broker with the same id is refused (it
//   keeps retrying, and logs why, until the other's key goes with its lease).
// - The lease is renewed every third of its TTL. When etcd says it has expired, or no renewal
//   has succeeded for a whole TTL (etcd unreachable: we can no longer tell), the session
//   gives up controllership at once, then grants a new lease and registers again.
// - Candidates campaign when they start, whenever the controller key changes (a watch), and
//   on every renewal tick, so a controller's death is followed by an election within a TTL.
//
// Callbacks run on the session's thread, one at a time, never concurrently with each other:
// on_elected(E) when this broker became controller with epoch E, on_deposed() when it no
// longer is (lease lost, key replaced, or stop()). Write as controller only through
// ControllerElection::fenced_txn(E, ...): between losing the lease and noticing, the
// callback can be late, the guard cannot.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "cluster/broker_info.h"
#include "cluster/cluster_keys.h"
#include "cluster/controller_election.h"
#include "cluster/metadata_store.h"

namespace sluice::cluster {

struct BrokerSessionOptions {
  // The lease TTL: how long a dead broker stays registered (and, if controller, how long the
  // cluster waits before electing another).
  int64_t lease_ttl_seconds = 5;
  // Brokers that must never be controller pass false.
  bool controller_candidate = true;
  // The pause before retrying a failed grant or registration.
  std::chrono::milliseconds retry_interval{200};
};

struct BrokerSessionCallbacks {
  std::function<void(Revision epoch)> on_elected;
  std::function<void()> on_deposed;
  // etcd said the lease is gone (not merely unreachable): whatever this broker led may
  // already have another leader, so it must stop acknowledging at once.
  std::function<void()> on_lease_expired;
};

class BrokerSession {
 public:
  // `store` must outlive the session.
  BrokerSession(MetadataStore& store, ClusterKeys keys, BrokerInfo self,
                BrokerSessionOptions options, BrokerSessionCallbacks callbacks);
  ~BrokerSession();  // stop()s
  BrokerSession(const BrokerSession&) = delete;
  BrokerSession& operator=(const BrokerSession&) = delete;

  void start();
  // Steps down (on_deposed), revokes the lease so that the registration and the controller
  // key go now rather than after a TTL, and joins the thread. Idempotent.
  void stop();

  // This broker's controller epoch while it is controller, 0 otherwise.
  Revision controller_epoch() const { return epoch_.load(); }
  // The lease the registration is bound to, 0 while there is none.
  LeaseId lease() const { return lease_.load(); }
  bool registered() const { return registered_.load(); }
  ControllerElection& election() { return election_; }

 private:
  using Clock = std::chrono::steady_clock;

  void run();
  // One pass of the loop; returns when to run the next one.
  Clock::time_point step();
  bool ensure_lease();
  bool ensure_registered();
  void campaign();
  void renew();
  void lose_lease(const std::string& why);
  void step_down(const std::string& why);
  void check_controller();
  void watch_controller();

  MetadataStore& store_;
  const ClusterKeys keys_;
  const BrokerInfo self_;
  const BrokerSessionOptions options_;
  const BrokerSessionCallbacks callbacks_;
  ControllerElection election_;

  std::atomic<Revision> epoch_{0};
  std::atomic<LeaseId> lease_{0};
  std::atomic<bool> registered_{false};
  Clock::time_point renewed_at_;  // the last successful grant or keepalive (thread only)
  Clock::time_point renew_due_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool controller_changed_ = false;  // set by the watch, taken by the loop
  bool watch_ended_ = false;         // the watch reported an error and stopped
  std::unique_ptr<Watch> watch_;
  std::thread thread_;
};

}  // namespace sluice::cluster
