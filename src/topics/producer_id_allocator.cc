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
  // The file holds the end of the last block reserved: the next block starts there.
  auto end = std::make_shared<int64_t>(reserved_until);
  return from([file, &fs, end](int64_t size) -> Result<int64_t> {
    const int64_t start = *end;
    SLUICE_RETURN_IF_ERROR(write_file_atomically(fs, file, std::to_string(start + size)));
    *end = start + size;
    return start;
  });
}

std::unique_ptr<ProducerIdAllocator> ProducerIdAllocator::from(BlockSource source) {
  return std::unique_ptr<ProducerIdAllocator>(new ProducerIdAllocator(std::move(source)));
}

Result<int64_t> ProducerIdAllocator::next() {
  std::lock_guard lock(mu_);  // also serialises the source's calls
  if (next_ == reserved_until_) {
    SLUICE_ASSIGN_OR_RETURN(const int64_t start, source_(kBlockSize));
    next_ = start;
    reserved_until_ = start + kBlockSize;
  }
  return next_++;
}

}  // namespace sluice::topics
