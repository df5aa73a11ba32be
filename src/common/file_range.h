// A range of bytes in an open file, to be sent without passing through user space
// (sendfile(2)). The owner keeps whatever holds the descriptor open (a storage segment) alive
// until the bytes are sent, so a file unlinked in the meantime (retention) is still readable.
#pragma once

#include <cstdint>
#include <memory>

namespace sluice {

struct FileRange {
  int fd = -1;
  uint64_t offset = 0;
  uint64_t size = 0;
  std::shared_ptr<const void> owner;  // owns `fd`
};

}  // namespace sluice
