#include "common/log.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <mutex>
#include <string>

namespace sluice::log {
namespace {

std::mutex g_mu;
spdlog::level::level_enum g_level = spdlog::level::info;

}  // namespace

std::shared_ptr<spdlog::logger> get(std::string_view component) {
  std::lock_guard lock(g_mu);
  const std::string name(component);
  if (auto existing = spdlog::get(name)) return existing;
  auto logger =
      std::make_shared<spdlog::logger>(name, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %n: %v", spdlog::pattern_time_type::utc);
  logger->set_level(g_level);
  spdlog::register_logger(logger);
  return logger;
}

void set_default_level(spdlog::level::level_enum level) {
  std::lock_guard lock(g_mu);
  g_level = level;
  spdlog::set_level(level);
}

}  // namespace sluice::log
