// libFuzzer target: arbitrary bytes as produced record batches (what a Produce request
// carries) must be accepted or rejected with a Status, never crash or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "storage/record_batch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto batches = sluice::storage::split_batches(bytes, 1 << 20);
  if (batches.is_ok()) {
    for (const auto& batch : *batches) {
      (void)batch.first_record_at_or_after(batch.base_timestamp());
    }
  }
  return 0;
}
