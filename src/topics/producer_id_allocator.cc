#include "topics/producer_id_allocator.h"

#include <charconv>
#include <string>

namespace sluice::topics {

Result<std::unique_ptr<ProducerIdAllocator>> ProducerIdAllocator::open(
    const std::filesystem::path& file, FileSystem& fs) {
  int64_t reserved_until = 0;
  SLUICE_ASSIGN_OR_RETURN(bool exists, fs.exists(file));
  if (exists) {
    SLUICE_ASSIGN_OR_RETURN(std::string text, read_small_file(fs, file));
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), reserved_until);
    if (error != std::errc() || reserved_until < 0) {
      return Status::corruption(file.string() + " does not hold a producer id");
    }
  } else {
    SLUICE_RETURN_IF_ERROR(create_directories(fs, file.parent_path()));
  }
  return std::unique_ptr<ProducerIdAllocator>(new ProducerIdAllocator(file, fs, reserved_until));
}

Result<int64_t> ProducerIdAllocator::next() {
  std::lock_guard lock(mu_);
  if (next_ == reserved_until_) {
    const int64_t until = reserved_until_ + kBlockSize;
    SLUICE_RETURN_IF_ERROR(write_file_atomically(fs_, file_, std::to_string(until)));
    reserved_until_ = until;
  }
  return next_++;
}

}  // namespace sluice::topics
