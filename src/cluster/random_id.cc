#include "cluster/random_id.h"

#include <random>

#include "common/base64.h"

namespace sluice::cluster {

std::string random_id() {
  std::random_device random;
  std::string bytes(16, '\0');
  for (char& byte : bytes) byte = static_cast<char>(random() & 0xff);
  std::string id = base64_encode(bytes);
  for (char& c : id) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!id.empty() && id.back() == '=') id.pop_back();
  return id;
}

}  // namespace sluice::cluster
