#include "common/fault_injecting_file_system.h"

#include <algorithm>
#include <cerrno>

namespace sluice::testing {

struct FaultInjectingFileSystem::Node {
  bool directory = false;
  // A file: what reads see, what survives power loss, and the blocks reserved.
  std::string data;
  std::string durable;
  uint64_t reserved = 0;
  // A directory: current and durable entries.
  std::map<std::string, NodePtr> entries;
  std::map<std::string, NodePtr> durable_entries;
};

namespace {

std::vector<std::string> components(const std::filesystem::path& path) {
  std::vector<std::string> out;
  for (const auto& part : path.lexically_normal()) {
    const std::string name = part.string();
    if (name.empty() || name == "/" || name == ".") continue;
    out.push_back(name);
  }
  return out;
}

std::string key(const std::filesystem::path& path) {
  std::string out;
  for (const auto& name : components(path)) out += "/" + name;
  return out.empty() ? "/" : out;
}

bool matches(const std::string& pattern, const std::filesystem::path& path) {
  return pattern.empty() || path.string().find(pattern) != std::string::npos;
}

}  // namespace

class FaultInjectingFileSystem::FaultFile final : public File {
 public:
  FaultFile(FaultInjectingFileSystem* fs, std::filesystem::path path, NodePtr node,
            uint64_t generation)
      : File(std::move(path)), fs_(fs), node_(std::move(node)), generation_(generation) {}

  Status pread(char* out, size_t n, uint64_t offset) const override {
    std::lock_guard lock(fs_->mu_);
    SLUICE_RETURN_IF_ERROR(alive("pread"));
    if (offset + n > node_->data.size()) {
      return Status::out_of_range("pread " + path().string() + " past end of file");
    }
    std::copy_n(node_->data.data() + offset, n, out);
    return Status::ok();
  }

  Status pwrite(std::string_view data, uint64_t offset) override {
    std::lock_guard lock(fs_->mu_);
    SLUICE_RETURN_IF_ERROR(alive("pwrite"));
    SLUICE_RETURN_IF_ERROR(fs_->begin(Operation::kWrite, "pwrite", path()));
    size_t n = data.size();
    Status failure;
    bool lose_power = false;
    if (fs_->tear_ && matches(fs_->tear_->path_contains, path())) {
      n = std::min(n, fs_->tear_->keep);
      lose_power = fs_->tear_->then == AfterTear::kLosePower;
      failure = Status::from_errno("pwrite " + path().string() + " (torn)", EIO);
      fs_->tear_.reset();
    }
    const uint64_t allocated = std::max<uint64_t>(node_->reserved, node_->data.size());
    if (const auto free = fs_->free_bytes(); free && offset + n > allocated + *free) {
      n = offset >= allocated + *free ? 0 : static_cast<size_t>(allocated + *free - offset);
      failure = Status::from_errno("pwrite " + path().string(), ENOSPC);
      lose_power = false;
    }
    if (node_->data.size() < offset + n) node_->data.resize(offset + n, '\0');
    std::copy_n(data.data(), n, node_->data.data() + offset);
    node_->reserved = std::max<uint64_t>(node_->reserved, node_->data.size());
    if (lose_power) {
      node_->durable = node_->data;
      fs_->cut_power();
    }
    return failure;
  }

  Status sync() override {
    std::function<void(const std::filesystem::path&)> hook;
    {
      std::lock_guard lock(fs_->mu_);
      hook = fs_->sync_hook_;
    }
    if (hook) hook(path());
    std::lock_guard lock(fs_->mu_);
    ++fs_->sync_counts_[key(path())];
    SLUICE_RETURN_IF_ERROR(alive("fdatasync"));
    SLUICE_RETURN_IF_ERROR(fs_->begin(Operation::kSync, "fdatasync", path()));
    node_->durable = node_->data;
    return Status::ok();
  }

  Status truncate(uint64_t size) override {
    std::lock_guard lock(fs_->mu_);
    SLUICE_RETURN_IF_ERROR(alive("ftruncate"));
    SLUICE_RETURN_IF_ERROR(fs_->begin(Operation::kTruncate, "ftruncate", path()));
    const uint64_t allocated = std::max<uint64_t>(node_->reserved, node_->data.size());
    if (const auto free = fs_->free_bytes(); free && size > allocated + *free) {
      return Status::from_errno("ftruncate " + path().string(), ENOSPC);
    }
    node_->data.resize(size, '\0');
    node_->reserved = size;
    return Status::ok();
  }

  Status preallocate(uint64_t offset, uint64_t length) override {
    std::lock_guard lock(fs_->mu_);
    SLUICE_RETURN_IF_ERROR(alive("fallocate"));
    SLUICE_RETURN_IF_ERROR(fs_->begin(Operation::kPreallocate, "fallocate", path()));
    const uint64_t allocated = std::max<uint64_t>(node_->reserved, node_->data.size());
    if (const auto free = fs_->free_bytes(); free && offset + length > allocated + *free) {
      return Status::from_errno("fallocate " + path().string(), ENOSPC);
    }
    node_->reserved = std::max(allocated, offset + length);
    return Status::ok();
  }

  Result<uint64_t> size() const override {
    std::lock_guard lock(fs_->mu_);
    SLUICE_RETURN_IF_ERROR(alive("fstat"));
    return static_cast<uint64_t>(node_->data.size());
  }

  int native_fd() const override { return -1; }

 private:
  // REQUIRES: fs_->mu_ held.
  Status alive(std::string_view what) const {
    if (generation_ != fs_->generation_) {
      return Status::from_errno(
          std::string(what) + " " + path().string() + " (opened before power loss)", EIO);
    }
    return fs_->check_power(what, path());
  }

  FaultInjectingFileSystem* const fs_;
  const NodePtr node_;
  const uint64_t generation_;
};

FaultInjectingFileSystem::FaultInjectingFileSystem() : root_(std::make_shared<Node>()) {
  root_->directory = true;
}

FaultInjectingFileSystem::~FaultInjectingFileSystem() = default;

Status FaultInjectingFileSystem::check_power(std::string_view what,
                                             const std::filesystem::path& path) const {
  if (powered_) return Status::ok();
  return Status::from_errno(std::string(what) + " " + path.string() + " (power lost)", EIO);
}

Status FaultInjectingFileSystem::begin(Operation operation, std::string_view what,
                                       const std::filesystem::path& path) {
  SLUICE_RETURN_IF_ERROR(check_power(what, path));
  ++operations_;
  if (cut_at_ && operations_ >= *cut_at_) {
    cut_power();
    return check_power(what, path);
  }
  return injected(operation, what, path);
}

Status FaultInjectingFileSystem::injected(Operation operation, std::string_view what,
                                          const std::filesystem::path& path) {
  for (Fault& fault : faults_) {
    if (fault.operation != operation || !matches(fault.path_contains, path)) continue;
    if (fault.skip > 0) {
      --fault.skip;
      continue;
    }
    if (fault.times == 0) continue;
    if (fault.times > 0) --fault.times;
    return Status::from_errno(std::string(what) + " " + path.string() + " (injected)", fault.error);
  }
  return Status::ok();
}

void FaultInjectingFileSystem::cut_power() {
  powered_ = false;
  cut_at_.reset();
  tear_.reset();
}

FaultInjectingFileSystem::NodePtr FaultInjectingFileSystem::find(
    const std::filesystem::path& path) const {
  NodePtr node = root_;
  for (const auto& name : components(path)) {
    if (!node->directory) return nullptr;
    auto it = node->entries.find(name);
    if (it == node->entries.end()) return nullptr;
    node = it->second;
  }
  return node;
}

FaultInjectingFileSystem::NodePtr FaultInjectingFileSystem::parent_of(
    const std::filesystem::path& path, std::string* name) const {
  auto parts = components(path);
  if (parts.empty()) return nullptr;
  *name = parts.back();
  NodePtr parent = find(path.lexically_normal().parent_path());
  if (parent == nullptr || !parent->directory) return nullptr;
  return parent;
}

std::optional<uint64_t> FaultInjectingFileSystem::free_bytes() const {
  if (!capacity_) return std::nullopt;
  const uint64_t used = used_bytes_locked();
  return used >= *capacity_ ? 0 : *capacity_ - used;
}

uint64_t FaultInjectingFileSystem::used_bytes_locked() const {
  uint64_t used = 0;
  std::vector<const Node*> stack{root_.get()};
  while (!stack.empty()) {
    const Node* node = stack.back();
    stack.pop_back();
    if (!node->directory) {
      used += std::max<uint64_t>(node->reserved, node->data.size());
      continue;
    }
    for (const auto& [name, child] : node->entries) stack.push_back(child.get());
  }
  return used;
}

Result<std::unique_ptr<File>> FaultInjectingFileSystem::open(const std::filesystem::path& path,
                                                             OpenMode mode) {
  std::lock_guard lock(mu_);
  SLUICE_RETURN_IF_ERROR(check_power("open", path));
  std::string name;
  NodePtr parent = parent_of(path, &name);
  if (parent == nullptr) return Status::not_found("open " + path.string() + ": no such directory");
  auto it = parent->entries.find(name);
  const bool present = it != parent->entries.end();
  if (present && it->second->directory) {
    return Status::io_error("open " + path.string() + ": is a directory");
  }
  const bool creates = !present && mode != OpenMode::kRead && mode != OpenMode::kReadWrite;
  const bool truncates = present && mode == OpenMode::kCreateTruncate;
  if (!present && !creates) return Status::not_found("open " + path.string() + ": no such file");
  if (present && mode == OpenMode::kCreateNew) {
    return Status::already_exists("open " + path.string() + ": exists");
  }
  SLUICE_RETURN_IF_ERROR(creates || truncates ? begin(Operation::kOpen, "open", path)
                                              : injected(Operation::kOpen, "open", path));
  NodePtr node;
  if (creates) {
    node = std::make_shared<Node>();
    parent->entries[name] = node;
  } else {
    node = it->second;
    if (truncates) {
      node->data.clear();
      node->reserved = 0;
    }
  }
  return std::unique_ptr<File>(new FaultFile(this, path, std::move(node), generation_));
}

Status FaultInjectingFileSystem::rename(const std::filesystem::path& from,
                                        const std::filesystem::path& to) {
  std::lock_guard lock(mu_);
  SLUICE_RETURN_IF_ERROR(begin(Operation::kRename, "rename", from));
  std::string from_name, to_name;
  NodePtr from_parent = parent_of(from, &from_name);
  NodePtr to_parent = parent_of(to, &to_name);
  if (from_parent == nullptr || !from_parent->entries.contains(from_name)) {
    return Status::not_found("rename " + from.string() + ": no such file");
  }
  if (to_parent == nullptr) return Status::not_found("rename to " + to.string() + ": no directory");
  NodePtr node = from_parent->entries.at(from_name);
  if (auto target = to_parent->entries.find(to_name); target != to_parent->entries.end()) {
    if (target->second->directory != node->directory ||
        (target->second->directory && !target->second->entries.empty())) {
      return Status::io_error("rename " + from.string() + " over " + to.string());
    }
  }
  from_parent->entries.erase(from_name);
  to_parent->entries[to_name] = std::move(node);
  return Status::ok();
}

Status FaultInjectingFileSystem::remove(const std::filesystem::path& path) {
  std::lock_guard lock(mu_);
  SLUICE_RETURN_IF_ERROR(begin(Operation::kRemove, "unlink", path));
  std::string name;
  NodePtr parent = parent_of(path, &name);
  if (parent == nullptr || !parent->entries.contains(name)) {
    return Status::not_found("unlink " + path.string() + ": no such file");
  }
  if (parent->entries.at(name)->directory) {
    return Status::io_error("unlink " + path.string() + ": is a directory");
  }
  parent->entries.erase(name);
  return Status::ok();
}

Status FaultInjectingFileSystem::remove_all(const std::filesystem::path& path) {
  std::lock_guard lock(mu_);
  SLUICE_RETURN_IF_ERROR(begin(Operation::kRemove, "remove", path));
  std::string name;
  NodePtr parent = parent_of(path, &name);
  if (parent == nullptr) return Status::ok();
  auto it = parent->entries.find(name);
  if (it == parent->entries.end()) return Status::ok();
  // Emptying each directory on the way (not only unlinking the top) keeps the model exact
  // when a directory below was synced after the removal began: it stays empty.
  std::vector<NodePtr> stack{it->second};
  while (!stack.empty()) {
    NodePtr node = stack.back();
    stack.pop_back();
    if (!node->directory) continue;
    for (auto& [child_name, child] : node->entries) stack.push_back(child);
    node->entries.clear();
  }
  parent->entries.erase(it);
  return Status::ok();
}

Status FaultInjectingFileSystem::create_directory(const std::filesystem::path& path) {
  std::lock_guard lock(mu_);
  SLUICE_RETURN_IF_ERROR(check_power("mkdir", path));
  std::string name;
  NodePtr parent = parent_of(path, &name);
  if (parent == nullptr) return Status::not_found("mkdir " + path.string() + ": no parent");
  if (auto it = parent->entries.find(name); it != parent->entries.end()) {
    if (it->second->directory) return Status::ok();
    return Status::already_exists("mkdir " + path.string() + ": a file is there");
  }
  SLUICE_RETURN_IF_ERROR(begin(Operation::kMkdir, "mkdir", path));
  auto node = std::make_shared<Node>();
  node->directory = true;
  parent->entries[name] = std::move(node);
  return Status::ok();
}

Result<std::vector<DirectoryEntry>> FaultInjectingFileSystem::list(
    const std::filesystem::path& dir) {
  std::lock_guard lock(mu_);
  SLUICE_RETURN_IF_ERROR(check_power("list", dir));
  NodePtr node = find(dir);
  if (node == nullptr || !node->directory) {
    return Status::not_found("list " + dir.string() + ": no such directory");
  }
  std::vector<DirectoryEntry> out;
  for (const auto& [name, child] : node->entries) out.push_back({name, child->directory});
  return out;
}

Result<bool> FaultInjectingFileSystem::exists(const std::filesystem::path& path) {
  std::lock_guard lock(mu_);
  SLUICE_RETURN_IF_ERROR(check_power("stat", path));
  return find(path) != nullptr;
}

Status FaultInjectingFileSystem::sync_directory(const std::filesystem::path& dir) {
  std::lock_guard lock(mu_);
  SLUICE_RETURN_IF_ERROR(begin(Operation::kSyncDirectory, "fsync", dir));
  NodePtr node = find(dir);
  if (node == nullptr || !node->directory) {
    return Status::not_found("fsync " + dir.string() + ": no such directory");
  }
  node->durable_entries = node->entries;
  return Status::ok();
}

void FaultInjectingFileSystem::lose_power() {
  std::lock_guard lock(mu_);
  cut_power();
}

void FaultInjectingFileSystem::lose_power_before_operation(uint64_t n) {
  std::lock_guard lock(mu_);
  cut_at_ = operations_ + std::max<uint64_t>(n, 1);
}

void FaultInjectingFileSystem::power_on() {
  std::lock_guard lock(mu_);
  std::vector<NodePtr> stack{root_};
  while (!stack.empty()) {
    NodePtr node = stack.back();
    stack.pop_back();
    if (!node->directory) {
      node->data = node->durable;
      node->reserved = std::max<uint64_t>(node->reserved, node->data.size());
      continue;
    }
    node->entries = node->durable_entries;
    for (const auto& [name, child] : node->entries) stack.push_back(child);
  }
  powered_ = true;
  cut_at_.reset();
  tear_.reset();
  ++generation_;
}

bool FaultInjectingFileSystem::powered() const {
  std::lock_guard lock(mu_);
  return powered_;
}

uint64_t FaultInjectingFileSystem::operations() const {
  std::lock_guard lock(mu_);
  return operations_;
}

void FaultInjectingFileSystem::inject(const Fault& fault) {
  std::lock_guard lock(mu_);
  faults_.push_back(fault);
}

void FaultInjectingFileSystem::clear_faults() {
  std::lock_guard lock(mu_);
  faults_.clear();
  tear_.reset();
}

void FaultInjectingFileSystem::tear_next_write(const std::string& path_contains, size_t keep,
                                               AfterTear then) {
  std::lock_guard lock(mu_);
  tear_ = Tear{path_contains, keep, then};
}

void FaultInjectingFileSystem::set_free_bytes(uint64_t bytes) {
  std::lock_guard lock(mu_);
  capacity_ = used_bytes_locked() + bytes;
}

void FaultInjectingFileSystem::set_unlimited_space() {
  std::lock_guard lock(mu_);
  capacity_.reset();
}

uint64_t FaultInjectingFileSystem::used_bytes() const {
  std::lock_guard lock(mu_);
  return used_bytes_locked();
}

void FaultInjectingFileSystem::set_sync_hook(
    std::function<void(const std::filesystem::path&)> hook) {
  std::lock_guard lock(mu_);
  sync_hook_ = std::move(hook);
}

uint64_t FaultInjectingFileSystem::sync_count(const std::filesystem::path& path) const {
  std::lock_guard lock(mu_);
  auto it = sync_counts_.find(key(path));
  return it == sync_counts_.end() ? 0 : it->second;
}

uint64_t FaultInjectingFileSystem::sync_count_under(const std::filesystem::path& dir) const {
  std::lock_guard lock(mu_);
  const std::string prefix = key(dir);
  uint64_t total = 0;
  for (const auto& [path, count] : sync_counts_) {
    if (path == prefix || path.starts_with(prefix == "/" ? prefix : prefix + "/")) total += count;
  }
  return total;
}

std::optional<std::string> FaultInjectingFileSystem::durable_contents(
    const std::filesystem::path& path) const {
  std::lock_guard lock(mu_);
  NodePtr node = root_;
  for (const auto& name : components(path)) {
    if (!node->directory) return std::nullopt;
    auto it = node->durable_entries.find(name);
    if (it == node->durable_entries.end()) return std::nullopt;
    node = it->second;
  }
  if (node->directory) return std::nullopt;
  return node->durable;
}

}  // namespace sluice::testing
