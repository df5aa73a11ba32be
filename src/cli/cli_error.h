// How a CLI command fails: a message for people and the process exit code (1 for a request
// the broker refused or could not be reached for, 2 for a usage error).
#pragma once

#include <stdexcept>
#include <string>

namespace sluice::cli {

inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

class CliError : public std::runtime_error {
 public:
  explicit CliError(const std::string& message, int exit_code = kExitFailed)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// A usage error found after parsing (a value CLI11 cannot check on its own).
inline CliError usage_error(const std::string& message) {
  return CliError(message, kExitUsage);
}

}  // namespace sluice::cli
