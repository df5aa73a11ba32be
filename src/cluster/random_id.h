// Random ids in Kafka's form: 16 random bytes as URL-safe base64 without padding (22
// characters), as cluster ids and topic ids are.
#pragma once

#include <string>

namespace sluice::cluster {

std::string random_id();

}  // namespace sluice::cluster
