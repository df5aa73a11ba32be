#include "storage/leader_epoch_cache.h"

#include <algorithm>
#include <charconv>

namespace sluice::storage {

namespace {

constexpr int kVersion = 0;

// The next whitespace-separated integer of `text`, consumed.
template <typename T>
std::optional<T> take_number(std::string_view& text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n')) text.remove_prefix(1);
  T value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end == text.data()) return std::nullopt;
  text.remove_prefix(static_cast<size_t>(end - text.data()));
  return value;
}

}  // namespace

LeaderEpochCache::LeaderEpochCache(LeaderEpochCache&& other) noexcept
    : fs_(other.fs_), file_(other.file_) {
  std::lock_guard lock(other.mu_);
  entries_ = std::move(other.entries_);
}

std::string LeaderEpochCache::encode(const std::vector<EpochEntry>& entries) {
  std::string out = std::to_string(kVersion) + "\n" + std::to_string(entries.size()) + "\n";
  for (const EpochEntry& entry : entries) {
    out += std::to_string(entry.epoch) + " " + std::to_string(entry.start_offset) + "\n";
  }
  return out;
}

Result<std::vector<EpochEntry>> LeaderEpochCache::decode(std::string_view text) {
  const auto version = take_number<int>(text);
  if (!version || *version != kVersion) {
    return Status::corruption("leader-epoch checkpoint: unknown version");
  }
  const auto count = take_number<int64_t>(text);
  if (!count || *count < 0 || *count > static_cast<int64_t>(text.size())) {
    return Status::corruption("leader-epoch checkpoint: bad entry count");
  }
  std::vector<EpochEntry> entries;
  for (int64_t i = 0; i < *count; ++i) {
    const auto epoch = take_number<int32_t>(text);
    const auto start = take_number<int64_t>(text);
    if (!epoch || !start || *epoch < 0 || *start < 0) {
      return Status::corruption("leader-epoch checkpoint: bad entry " + std::to_string(i));
    }
    if (!entries.empty() &&
        (*epoch <= entries.back().epoch || *start < entries.back().start_offset)) {
      return Status::corruption("leader-epoch checkpoint: entries out of order");
    }
    entries.push_back({*epoch, *start});
  }
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n')) text.remove_prefix(1);
  if (!text.empty()) return Status::corruption("leader-epoch checkpoint: trailing bytes");
  return entries;
}

Result<LeaderEpochCache> LeaderEpochCache::load(FileSystem& fs, std::filesystem::path file,
                                                bool* found) {
  LeaderEpochCache cache(fs, std::move(file));
  *found = false;
  SLUICE_ASSIGN_OR_RETURN(bool exists, fs.exists(cache.file_));
  if (!exists) return cache;
  SLUICE_ASSIGN_OR_RETURN(std::string text, read_small_file(fs, cache.file_));
  auto entries = decode(text);
  if (!entries.is_ok()) {
    return Status::corruption(cache.file_.string() + ": " + entries.status().message());
  }
  cache.entries_ = std::move(*entries);
  *found = true;
  return cache;
}

Status LeaderEpochCache::persist_locked() const {
  return write_file_atomically(fs_, file_, encode(entries_));
}

Status LeaderEpochCache::assign(int32_t epoch, int64_t start_offset) {
  if (epoch < 0) return Status::ok();
  std::lock_guard lock(mu_);
  if (!entries_.empty() && entries_.back().epoch == epoch &&
      entries_.back().start_offset <= start_offset) {
    return Status::ok();  // the epoch is known; its start does not move forward
  }
  std::vector<EpochEntry> before = entries_;
  std::erase_if(entries_, [&](const EpochEntry& entry) {
    return entry.epoch >= epoch || entry.start_offset >= start_offset;
  });
  entries_.push_back({epoch, start_offset});
  Status status = persist_locked();
  if (!status.is_ok()) entries_ = std::move(before);
  return status;
}

EpochEndOffset LeaderEpochCache::end_offset_for(int32_t epoch, int64_t log_end_offset) const {
  std::lock_guard lock(mu_);
  if (epoch < 0 || entries_.empty()) return {};
  if (entries_.back().epoch == epoch) return {epoch, log_end_offset};
  auto higher = std::upper_bound(
      entries_.begin(), entries_.end(), epoch,
      [](int32_t wanted, const EpochEntry& entry) { return wanted < entry.epoch; });
  if (higher == entries_.end()) return {};  // newer than anything this log has seen
  if (higher == entries_.begin()) return {epoch, higher->start_offset};
  return {std::prev(higher)->epoch, higher->start_offset};
}

Status LeaderEpochCache::truncate_from_end(int64_t end_offset) {
  std::lock_guard lock(mu_);
  if (entries_.empty() || entries_.back().start_offset < end_offset) return Status::ok();
  std::erase_if(entries_,
                [&](const EpochEntry& entry) { return entry.start_offset >= end_offset; });
  return persist_locked();
}

Status LeaderEpochCache::truncate_from_start(int64_t start_offset) {
  std::lock_guard lock(mu_);
  if (entries_.empty() || entries_.front().start_offset >= start_offset) return Status::ok();
  // The last entry starting at or below the new start holds it: keep it, moved up.
  auto holder = std::upper_bound(
      entries_.begin(), entries_.end(), start_offset,
      [](int64_t wanted, const EpochEntry& entry) { return wanted < entry.start_offset; });
  auto first_kept = std::prev(holder);
  first_kept->start_offset = start_offset;
  entries_.erase(entries_.begin(), first_kept);
  return persist_locked();
}

Status LeaderEpochCache::reset(std::vector<EpochEntry> entries) {
  std::lock_guard lock(mu_);
  entries_ = std::move(entries);
  return persist_locked();
}

std::optional<EpochEntry> LeaderEpochCache::latest() const {
  std::lock_guard lock(mu_);
  if (entries_.empty()) return std::nullopt;
  return entries_.back();
}

std::vector<EpochEntry> LeaderEpochCache::entries() const {
  std::lock_guard lock(mu_);
  return entries_;
}

}  // namespace sluice::storage
