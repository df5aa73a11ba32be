// The controller's work, run by whichever broker holds the controller key: it gives every
// new partition its first state (leader, epoch 0, ISR = its replicas), when a leader's
// broker leaves the registry elects another from the live in-sync replicas with the epoch
// bumped, and applies the ISR changes leaders ask for (isr_changes/, then deleted). Unclean
// election is off: a partition whose in-sync replicas are all gone stays offline (leader -1, ISR
// kept) until one of them returns.
//
// It acts on ClusterView snapshots and writes only through ControllerElection::fenced_txn,
// each write guarded by the partition key's mod revision as well: a deposed controller, or
// one acting on a stale snapshot, writes nothing (the next snapshot shows what won).
//
// Threading: one thread of its own, started by start(); lead(epoch) and follow() may be
// called from any thread (BrokerSession's callbacks).
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "cluster/cluster_view.h"
#include "cluster/controller_election.h"

namespace sluice::cluster {

// What the controller decides for one partition, given the cluster now: the state to write,
// or nullopt when the current one stands. Pure, so that the rules are tested alone.
std::optional<PartitionState> next_partition_state(const ClusterSnapshot& snapshot,
                                                   const std::vector<int32_t>& replicas,
                                                   const PartitionState* current);

// The state a leader's ISR change leads to, or nullopt when the controller refuses it: it
// must come from the partition's leader in its current epoch, be based on the current state
// (`current_revision`), keep the leader, name only replicas, and add only live brokers.
std::optional<PartitionState> accept_isr_change(const ClusterSnapshot& snapshot,
                                                const std::vector<int32_t>& replicas,
                                                const PartitionState& current,
                                                Revision current_revision, const IsrChange& change);

class Controller {
 public:
  // `view` and `election` must outlive the controller.
  Controller(ClusterView& view, ControllerElection& election);
  ~Controller();  // stop()s
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  void start();
  void stop();

  // This broker became controller with `epoch`; act until follow().
  void lead(Revision epoch);
  void follow();

  // Leader elections written (a leader chosen for a partition that had none or lost it).
  uint64_t elections() const { return elections_.load(); }
  // ISR changes applied at leaders' requests.
  uint64_t isr_changes() const { return isr_changes_.load(); }

 private:
  void run();
  void reconcile(const ClusterSnapshot& snapshot, Revision epoch);

  ClusterView& view_;
  ControllerElection& election_;
  uint64_t subscription_ = 0;

  std::mutex mu_;
  std::condition_variable wake_;
  Revision epoch_ = 0;     // GUARDED_BY(mu_): 0 while not controller
  bool dirty_ = false;     // GUARDED_BY(mu_): a new snapshot or epoch to act on
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
  std::atomic<uint64_t> elections_{0};
  std::atomic<uint64_t> isr_changes_{0};
};

}  // namespace sluice::cluster
