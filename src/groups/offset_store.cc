#include "groups/offset_store.h"

#include "common/coding.h"
#include "storage/batch_reader.h"
#include "storage/record_batch_builder.h"
#include "storage/record_reader.h"

namespace sluice::groups {
namespace {

void put_string(std::string& out, const std::string& s) {
  put_be32(out, static_cast<uint32_t>(s.size()));
  out += s;
}

bool get_string(std::string_view* in, std::string* out) {
  if (in->size() < 4) return false;
  const uint32_t size = load_be32(in->data());
  if (in->size() - 4 < size) return false;
  *out = std::string(in->substr(4, size));
  in->remove_prefix(4 + size);
  return true;
}

std::string encode_key(const std::string& group, const TopicPartition& tp) {
  std::string key;
  put_string(key, group);
  put_string(key, tp.topic);
  put_be32(key, static_cast<uint32_t>(tp.partition));
  return key;
}

bool decode_key(std::string_view in, std::string* group, TopicPartition* tp) {
  if (!get_string(&in, group) || !get_string(&in, &tp->topic) || in.size() != 4) return false;
  tp->partition = static_cast<int32_t>(load_be32(in.data()));
  return true;
}

std::string encode_value(const CommittedOffset& value) {
  std::string out;
  put_be64(out, static_cast<uint64_t>(value.offset));
  put_be32(out, static_cast<uint32_t>(value.leader_epoch));
  put_be64(out, static_cast<uint64_t>(value.commit_timestamp));
  put_string(out, value.metadata);
  return out;
}

bool decode_value(std::string_view in, CommittedOffset* value) {
  if (in.size() < 20) return false;
  value->offset = static_cast<int64_t>(load_be64(in.data()));
  value->leader_epoch = static_cast<int32_t>(load_be32(in.data() + 8));
  value->commit_timestamp = static_cast<int64_t>(load_be64(in.data() + 12));
  in.remove_prefix(20);
  return get_string(&in, &value->metadata) && in.empty();
}

}  // namespace

Result<std::unique_ptr<OffsetStore>> OffsetStore::open(const std::filesystem::path& dir,
                                                       const storage::LogConfig& config,
                                                       FileSystem& fs) {
  storage::LogConfig log_config = config;
  log_config.retention_ms = -1;  // deleting old commits would lose live offsets
  log_config.retention_bytes = -1;
  SLUICE_ASSIGN_OR_RETURN(
      auto log, storage::PartitionLog::open(dir, log_config, storage::system_clock_ms, fs));
  std::unique_ptr<OffsetStore> store(new OffsetStore(std::move(log)));
  SLUICE_RETURN_IF_ERROR(store->replay());
  return store;
}

Status OffsetStore::replay() {
  return storage::for_each_record(
      *log_, log_->log_start_offset(), [this](const storage::Record& record) {
        std::string group;
        TopicPartition tp;
        if (!record.key || !decode_key(*record.key, &group, &tp)) {
          return Status::corruption("offset record at " + std::to_string(record.offset) +
                                    " has a malformed key");
        }
        std::optional<CommittedOffset> value;
        if (record.value) {
          value.emplace();
          if (!decode_value(*record.value, &*value)) {
            return Status::corruption("offset record at " + std::to_string(record.offset) +
                                      " has a malformed value");
          }
        }
        apply(group, tp, value);
        return Status::ok();
      });
}

void OffsetStore::apply(const std::string& group, const TopicPartition& tp,
                        const std::optional<CommittedOffset>& value) {
  if (value) {
    offsets_[group][tp] = *value;
    return;
  }
  auto it = offsets_.find(group);
  if (it == offsets_.end()) return;
  it->second.erase(tp);
  if (it->second.empty()) offsets_.erase(it);
}

Status OffsetStore::append(
    const std::string& group,
    const std::vector<std::pair<TopicPartition, std::optional<CommittedOffset>>>& changes) {
  if (changes.empty()) return Status::ok();
  storage::RecordBatchBuilder builder(storage::system_clock_ms());
  for (const auto& [tp, value] : changes) {
    const std::string key = encode_key(group, tp);
    if (value) {
      builder.add(key, encode_value(*value), storage::system_clock_ms());
    } else {
      builder.add(key, std::nullopt, storage::system_clock_ms());
    }
  }
  std::string batch = builder.build();
  // The lock spans the append so that the log and the map change in the same order.
  std::lock_guard lock(mu_);
  SLUICE_RETURN_IF_ERROR(log_->append(std::span<char>(batch.data(), batch.size()), 0).status());
  for (const auto& [tp, value] : changes) apply(group, tp, value);
  return Status::ok();
}

Status OffsetStore::commit(const std::string& group,
                           const std::vector<std::pair<TopicPartition, CommittedOffset>>& offsets) {
  std::vector<std::pair<TopicPartition, std::optional<CommittedOffset>>> changes(offsets.begin(),
                                                                                 offsets.end());
  return append(group, changes);
}

Status OffsetStore::remove(const std::string& group,
                           const std::vector<TopicPartition>& partitions) {
  std::vector<std::pair<TopicPartition, std::optional<CommittedOffset>>> changes;
  if (partitions.empty()) {
    for (const auto& [tp, value] : fetch_all(group)) changes.emplace_back(tp, std::nullopt);
  } else {
    for (const auto& tp : partitions) changes.emplace_back(tp, std::nullopt);
  }
  return append(group, changes);
}

std::optional<CommittedOffset> OffsetStore::fetch(const std::string& group,
                                                  const TopicPartition& tp) const {
  std::lock_guard lock(mu_);
  auto it = offsets_.find(group);
  if (it == offsets_.end()) return std::nullopt;
  auto found = it->second.find(tp);
  if (found == it->second.end()) return std::nullopt;
  return found->second;
}

std::map<TopicPartition, CommittedOffset> OffsetStore::fetch_all(const std::string& group) const {
  std::lock_guard lock(mu_);
  auto it = offsets_.find(group);
  return it == offsets_.end() ? std::map<TopicPartition, CommittedOffset>() : it->second;
}

std::vector<std::string> OffsetStore::groups() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> names;
  for (const auto& [name, offsets] : offsets_) names.push_back(name);
  return names;
}

}  // namespace sluice::groups
