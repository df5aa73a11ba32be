// Records the largest single operator-new allocation, so tests can prove that a huge length
// on the wire is rejected before anything is sized by it. Linking allocation_tracker.cc
// replaces the global operator new/delete of the test binary.
#pragma once

#include <cstddef>

namespace sluice::kafka::protocol {

void reset_largest_allocation();
size_t largest_allocation();

}  // namespace sluice::kafka::protocol
