#include "storage/log_flusher.h"

#include <algorithm>

#include "common/log.h"

namespace sluice::storage {

LogFlusher::LogFlusher(std::chrono::milliseconds tick) : tick_(tick), thread_([this] { run(); }) {}

LogFlusher::~LogFlusher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void LogFlusher::add(PartitionLog* log) {
  std::lock_guard lock(mu_);
  logs_.push_back(log);
}

void LogFlusher::remove(PartitionLog* log) {
  std::lock_guard lock(mu_);
  logs_.erase(std::remove(logs_.begin(), logs_.end(), log), logs_.end());
}

void LogFlusher::run() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, tick_, [this] { return stopping_; })) {
    for (PartitionLog* log : logs_) {
      // A failed sync takes that log offline and is logged there; the others carry on.
      Status status = log->flush_if_due();
      if (!status.is_ok()) {
        log::get("storage")->warn("interval flush failed dir={} error=\"{}\"", log->dir().string(),
                                  status.to_string());
      }
    }
  }
}

}  // namespace sluice::storage
