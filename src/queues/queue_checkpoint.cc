#include "queues/queue_checkpoint.h"

#include "common/coding.h"
#include "common/crc32c.h"

namespace sluice::queues {
namespace {

constexpr std::string_view kMagic = "SQCP";
constexpr size_t kTrailerBytes = 4;

void put_bytes(std::string& out, std::string_view bytes) {
  put_uvarint(out, bytes.size());
  out.append(bytes);
}

Status malformed(std::string_view what) {
  return Status::corruption("queue checkpoint: " + std::string(what));
}

// Reading helpers over a shrinking view; nullopt/false on truncation.
bool get_i64(std::string_view* in, int64_t* out) {
  if (in->size() < 8) return false;
  *out = static_cast<int64_t>(load_be64(in->data()));
  in->remove_prefix(8);
  return true;
}

bool get_bytes(std::string_view* in, std::string* out) {
  auto size = get_uvarint(in);
  if (!size || *size > in->size()) return false;
  out->assign(in->data(), *size);
  in->remove_prefix(*size);
  return true;
}

}  // namespace

CheckpointWriter::CheckpointWriter(const CheckpointHeader& header,
                                   const std::vector<CheckpointGroup>& groups,
                                   const std::vector<CheckpointDedup>& dedups)
    : previous_offset_(header.index_base - 1) {
  out_.append(kMagic);
  put_be32(out_, kCheckpointVersion);
  put_be64(out_, static_cast<uint64_t>(header.index_base));
  put_be64(out_, static_cast<uint64_t>(header.index_end));
  put_be64(out_, static_cast<uint64_t>(header.state_end));
  put_be64(out_, static_cast<uint64_t>(header.purged_below));
  put_uvarint(out_, groups.size());
  for (const CheckpointGroup& group : groups) {
    put_uvarint(out_, group.id);
    put_bytes(out_, group.name);
  }
  put_uvarint(out_, dedups.size());
  for (const CheckpointDedup& dedup : dedups) {
    put_bytes(out_, dedup.key);
    put_bytes(out_, dedup.message_id);
    put_varint(out_, dedup.offset);
    put_varint(out_, dedup.sent_ms);
  }
}

void CheckpointWriter::add(int64_t offset, const MessageEntry& entry) {
  put_uvarint(out_, static_cast<uint64_t>(offset - previous_offset_ - 1));
  previous_offset_ = offset;
  const uint8_t flags = entry.flags & MessageEntry::kPresent;
  out_.push_back(static_cast<char>(flags));
  if (flags == 0) return;
  put_varint(out_, entry.visible_at_ms - previous_visible_at_);
  previous_visible_at_ = entry.visible_at_ms;
  put_varint(out_, int64_t{entry.sent_s} - previous_sent_s_);
  previous_sent_s_ = entry.sent_s;
  put_uvarint(out_, entry.group == kNoGroup ? 0 : uint64_t{entry.group} + 1);
  put_uvarint(out_, entry.receive_count);
  if (entry.receive_count > 0) {
    put_uvarint(out_, entry.receipt_nonce);
    put_varint(out_, entry.first_receive_ms);
  }
}

std::string CheckpointWriter::finish() {
  put_be32(out_, crc32c::value(out_));
  return std::move(out_);
}

Result<CheckpointReader> CheckpointReader::parse(std::string bytes) {
  CheckpointReader reader;
  reader.bytes_ = std::move(bytes);
  std::string_view all = reader.bytes_;
  if (all.size() < kMagic.size() + 4 + kTrailerBytes || all.substr(0, kMagic.size()) != kMagic) {
    return malformed("bad magic");
  }
  const uint32_t stored_crc = load_be32(all.data() + all.size() - kTrailerBytes);
  all.remove_suffix(kTrailerBytes);
  if (crc32c::value(all) != stored_crc) return malformed("CRC mismatch");
  std::string_view in = all.substr(kMagic.size());
  const uint32_t version = load_be32(in.data());
  in.remove_prefix(4);
  if (version != kCheckpointVersion) {
    return malformed("unknown version " + std::to_string(version));
  }
  CheckpointHeader& header = reader.header_;
  if (!get_i64(&in, &header.index_base) || !get_i64(&in, &header.index_end) ||
      !get_i64(&in, &header.state_end) || !get_i64(&in, &header.purged_below)) {
    return malformed("truncated header");
  }
  auto groups = get_uvarint(&in);
  if (!groups) return malformed("truncated groups");
  for (uint64_t i = 0; i < *groups; ++i) {
    CheckpointGroup group;
    auto id = get_uvarint(&in);
    if (!id || *id > UINT32_MAX || !get_bytes(&in, &group.name)) return malformed("bad group");
    group.id = static_cast<uint32_t>(*id);
    reader.groups_.push_back(std::move(group));
  }
  auto dedups = get_uvarint(&in);
  if (!dedups) return malformed("truncated dedup ids");
  for (uint64_t i = 0; i < *dedups; ++i) {
    CheckpointDedup dedup;
    if (!get_bytes(&in, &dedup.key) || !get_bytes(&in, &dedup.message_id)) {
      return malformed("bad dedup id");
    }
    auto offset = get_varint(&in);
    auto sent = get_varint(&in);
    if (!offset || !sent) return malformed("bad dedup id");
    dedup.offset = *offset;
    dedup.sent_ms = *sent;
    reader.dedups_.push_back(std::move(dedup));
  }
  reader.entries_at_ = static_cast<size_t>(in.data() - reader.bytes_.data());
  return reader;
}

Status CheckpointReader::for_each_entry(
    const std::function<void(int64_t, const MessageEntry&)>& visit) const {
  std::string_view in(bytes_.data() + entries_at_, bytes_.size() - entries_at_ - kTrailerBytes);
  int64_t offset = header_.index_base - 1;
  int64_t visible_at = 0;
  int64_t sent_s = 0;
  while (!in.empty()) {
    auto gap = get_uvarint(&in);
    if (!gap || in.empty()) return malformed("truncated entry");
    offset += static_cast<int64_t>(*gap) + 1;
    MessageEntry entry;
    entry.flags = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    if (offset >= header_.index_end || (entry.flags & ~MessageEntry::kPresent) != 0) {
      return malformed("bad entry at offset " + std::to_string(offset));
    }
    if (entry.flags != 0) {
      auto visible_delta = get_varint(&in);
      auto sent_delta = get_varint(&in);
      auto group = get_uvarint(&in);
      auto receives = get_uvarint(&in);
      if (!visible_delta || !sent_delta || !group || !receives || *group > UINT32_MAX ||
          *receives > UINT16_MAX) {
        return malformed("bad entry at offset " + std::to_string(offset));
      }
      visible_at += *visible_delta;
      sent_s += *sent_delta;
      entry.visible_at_ms = visible_at;
      entry.sent_s = static_cast<uint32_t>(sent_s);
      entry.group = *group == 0 ? kNoGroup : static_cast<uint32_t>(*group - 1);
      entry.receive_count = static_cast<uint16_t>(*receives);
      if (entry.receive_count > 0) {
        auto nonce = get_uvarint(&in);
        auto first_receive = get_varint(&in);
        if (!nonce || *nonce > UINT32_MAX || !first_receive) {
          return malformed("bad entry at offset " + std::to_string(offset));
        }
        entry.receipt_nonce = static_cast<uint32_t>(*nonce);
        entry.first_receive_ms = *first_receive;
      }
    }
    visit(offset, entry);
  }
  return Status::ok();
}

}  // namespace sluice::queues
