#include "cluster/cluster_view.h"

#include <charconv>

#include "common/log.h"

namespace sluice::cluster {

namespace {

std::optional<int32_t> parse_int(std::string_view text) {
  int32_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

const TopicView* ClusterSnapshot::topic(const std::string& name) const {
  auto it = topics.find(name);
  // A view holding states but no record: the record's key is gone or not applied yet.
  return it == topics.end() || it->second.record.name.empty() ? nullptr : &it->second;
}

const PartitionView* ClusterSnapshot::partition(const std::string& name, int32_t index) const {
  const TopicView* view = topic(name);
  if (view == nullptr) return nullptr;
  auto it = view->partitions.find(index);
  return it == view->partitions.end() ? nullptr : &it->second;
}

ClusterView::ClusterView(MetadataStore& store, ClusterKeys keys)
    : store_(store), keys_(std::move(keys)), current_(std::make_shared<ClusterSnapshot>()) {}

ClusterView::~ClusterView() {
  stop();
}

StoreStatus ClusterView::start() {
  StoreStatus status = load();
  if (!status.is_ok()) return status;
  resync_thread_ = std::thread([this] { resync_loop(); });
  return StoreStatus::ok();
}

void ClusterView::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (resync_thread_.joinable()) resync_thread_.join();
  watch_.reset();  // waits for a callback in progress
}

SnapshotPtr ClusterView::snapshot() const {
  std::lock_guard lock(mu_);
  return current_;
}

uint64_t ClusterView::subscribe(std::function<void(const SnapshotPtr&)> callback) {
  std::lock_guard lock(mu_);
  const uint64_t id = next_subscriber_++;
  subscribers_.emplace(id, std::move(callback));
  return id;
}

void ClusterView::unsubscribe(uint64_t id) {
  std::lock_guard publishing(publish_mu_);  // not while its callback may be running
  std::lock_guard lock(mu_);
  subscribers_.erase(id);
}

std::pair<SnapshotPtr, bool> ClusterView::wait_for(
    const std::function<bool(const ClusterSnapshot&)>& ready, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  const bool satisfied =
      changed_.wait_for(lock, timeout, [&] { return stopping_ || ready(*current_); });
  return {current_, satisfied && ready(*current_)};
}

StoreStatus ClusterView::load() {
  auto read = store_.range_prefix(keys_.root());
  if (!read.is_ok()) return read.status();
  auto next = std::make_shared<ClusterSnapshot>();
  for (const auto& kv : read->kvs) apply(*next, WatchEvent{WatchEvent::Type::kPut, kv});
  next->revision = read->revision;
  {
    std::lock_guard publishing(publish_mu_);
    publish(std::move(next));
  }
  auto watch = store_.watch_prefix(keys_.root(), read->revision + 1,
                                   [this](auto events) { on_events(std::move(events)); });
  if (!watch.is_ok()) return watch.status();
  watch_ = std::move(*watch);
  return StoreStatus::ok();
}

void ClusterView::on_events(StoreResult<std::vector<WatchEvent>> events) {
  if (!events.is_ok()) {
    log::get("cluster")->warn("cluster watch ended, reading the state again error=\"{}\"",
                              events.status().to_string());
    std::lock_guard lock(mu_);
    resync_ = true;
    changed_.notify_all();
    return;
  }
  std::lock_guard publishing(publish_mu_);
  auto next = std::make_shared<ClusterSnapshot>(*snapshot());
  for (const auto& event : *events) {
    apply(*next, event);
    next->revision = std::max(next->revision, event.kv.mod_revision);
  }
  publish(std::move(next));
}

void ClusterView::apply(ClusterSnapshot& next, const WatchEvent& event) const {
  const std::string_view key = std::string_view(event.kv.key).substr(keys_.root().size());
  const bool put = event.type == WatchEvent::Type::kPut;
  constexpr std::string_view kBrokers = "brokers/";
  constexpr std::string_view kTopics = "topics/";
  constexpr std::string_view kPartitions = "partitions/";
  constexpr std::string_view kIsrChanges = "isr_changes/";
  if (key == "cluster_id") {
    next.cluster_id = put ? event.kv.value : std::string();
  } else if (key == "controller") {
    next.controller = put ? decode_controller_info(event.kv) : std::nullopt;
  } else if (starts_with(key, kBrokers)) {
    auto id = parse_int(key.substr(kBrokers.size()));
    if (!id) return;
    if (!put) {
      next.brokers.erase(*id);
    } else if (auto info = decode_broker_info(event.kv.value); info && info->id == *id) {
      next.brokers[*id] = std::move(*info);
    }
  } else if (starts_with(key, kTopics)) {
    const std::string name(key.substr(kTopics.size()));
    if (!put) {
      next.topics.erase(name);
    } else if (auto record = decode_topic_record(event.kv.value); record && record->name == name) {
      auto& view = next.topics[name];
      view.record = std::move(*record);
      view.mod_revision = event.kv.mod_revision;
    }
  } else if (starts_with(key, kPartitions) || starts_with(key, kIsrChanges)) {
    const bool change = starts_with(key, kIsrChanges);
    const std::string_view rest = key.substr(change ? kIsrChanges.size() : kPartitions.size());
    const size_t slash = rest.rfind('/');
    if (slash == std::string_view::npos) return;
    const std::string name(rest.substr(0, slash));
    auto index = parse_int(rest.substr(slash + 1));
    if (!index) return;
    if (change) {
      auto decoded = put ? decode_isr_change(event.kv.value) : std::nullopt;
      if (decoded) {
        next.topics[name].isr_changes[*index] = *decoded;
      } else if (auto it = next.topics.find(name); it != next.topics.end()) {
        it->second.isr_changes.erase(*index);
      }
      return;
    }
    if (!put) {
      if (auto it = next.topics.find(name); it != next.topics.end()) {
        it->second.partitions.erase(*index);
      }
      return;
    }
    auto state = decode_partition_state(event.kv.value);
    // A state with no record yet (read in key order: partitions/ before topics/) still counts;
    // the record fills in when its key is applied.
    if (state) next.topics[name].partitions[*index] = PartitionView{*state, event.kv.mod_revision};
  }
}

void ClusterView::publish(SnapshotPtr next) {
  std::vector<std::function<void(const SnapshotPtr&)>> callbacks;
  {
    std::lock_guard lock(mu_);
    current_ = next;
    for (const auto& [id, callback] : subscribers_) callbacks.push_back(callback);
  }
  changed_.notify_all();
  for (const auto& callback : callbacks) callback(next);
}

void ClusterView::resync_loop() {
  std::unique_lock lock(mu_);
  while (true) {
    changed_.wait(lock, [this] { return stopping_ || resync_; });
    if (stopping_) return;
    resync_ = false;
    lock.unlock();
    watch_.reset();
    while (true) {
      StoreStatus status = load();
      if (status.is_ok()) break;
      log::get("cluster")->warn("cannot read the cluster state error=\"{}\"", status.to_string());
      std::unique_lock wait(mu_);
      if (changed_.wait_for(wait, std::chrono::milliseconds(500), [this] { return stopping_; })) {
        return;
      }
    }
    lock.lock();
  }
}

}  // namespace sluice::cluster
