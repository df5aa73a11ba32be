#include "cluster/isr_reporter.h"

#include "cluster/topic_records.h"
#include "common/log.h"

namespace sluice::cluster {

IsrReporter::IsrReporter(MetadataStore& store, ClusterKeys keys, topics::TopicManager& topics,
                         IsrReporterOptions options)
    : store_(store), keys_(std::move(keys)), topics_(topics), options_(options) {}

IsrReporter::~IsrReporter() {
  stop();
}

void IsrReporter::start() {
  thread_ = std::thread([this] { run(); });
}

void IsrReporter::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void IsrReporter::run() {
  std::unique_lock lock(mu_);
  while (!wake_.wait_for(lock, options_.interval, [this] { return stopping_; })) {
    lock.unlock();
    report_once();
    lock.lock();
  }
}

int IsrReporter::report_once() {
  int written = 0;
  for (const auto& info : topics_.topics()) {
    for (int32_t i = 0; i < info.partitions; ++i) {
      auto partition = topics_.partition(info.name, i);
      if (!partition || !partition->is_leader() || !partition->replicated()) continue;
      auto wanted = partition->wanted_isr(options_.replica_lag_time_max_ms);
      if (!wanted) continue;
      const topics::ReplicaSet set = partition->replica_set();
      IsrChange change{set.leader, set.leader_epoch, *wanted, set.state_revision};
      // Counted before it is asked for: the controller may apply it before the put returns.
      partition->isr_requested(*wanted);
      auto put = store_.put(keys_.isr_change(info.name, i), encode_isr_change(change));
      if (!put.is_ok()) {
        log::get("replication")
            ->warn("cannot ask for an ISR change topic={} partition={} error=\"{}\"", info.name, i,
                   put.status().to_string());
        continue;
      }
      requests_.fetch_add(1);
      ++written;
      log::get("replication")
          ->info("asked for ISR change topic={} partition={} epoch={} isr={} (was {})", info.name,
                 i, set.leader_epoch, wanted->size(), set.isr.size());
    }
  }
  return written;
}

}  // namespace sluice::cluster
