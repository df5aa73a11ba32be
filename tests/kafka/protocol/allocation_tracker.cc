#include "allocation_tracker.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<size_t> g_largest_allocation{0};
}  // namespace

// In their own translation unit so that the compiler never pairs an inlined delete with
// the malloc behind it and warns of a mismatch.
void* operator new(size_t size) {
  size_t seen = g_largest_allocation.load(std::memory_order_relaxed);
  while (size > seen && !g_largest_allocation.compare_exchange_weak(seen, size)) {
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}

namespace sluice::kafka::protocol {

void reset_largest_allocation() {
  g_largest_allocation = 0;
}
size_t largest_allocation() {
  return g_largest_allocation.load();
}

}  // namespace sluice::kafka::protocol
