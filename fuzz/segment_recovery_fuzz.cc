// libFuzzer target: arbitrary bytes as the newest segment of a log found after a crash.
// Opening must recover (cut the file at the first bad batch) and every read afterwards must
// return only whole, CRC-valid batches.
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/log.h"
#include "storage/partition_log.h"
#include "storage/record_batch.h"

namespace {

std::filesystem::path scratch_dir() {
  static const std::filesystem::path dir = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "sluice-fuzz-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) abort();
    sluice::log::set_default_level(spdlog::level::off);
    return std::filesystem::path(pattern);
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice::storage;
  const auto dir = scratch_dir() / "p0";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir / "00000000000000000000.log", std::ios::binary);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  auto log = PartitionLog::open(dir, LogConfig{});
  if (!log.is_ok()) abort();  // recovery must cope with any bytes
  int64_t offset = (*log)->log_start_offset();
  while (offset < (*log)->log_end_offset()) {
    auto read = (*log)->read(offset, ReadOptions{});
    if (!read.is_ok() || read->empty()) abort();
    std::string bytes;
    if (!read->append_to(&bytes).is_ok()) abort();
    auto batches = split_batches(bytes, INT32_MAX);
    if (!batches.is_ok()) abort();  // a recovered log never returns a corrupt batch
    offset = batches->back().last_offset() + 1;
  }
  return 0;
}
