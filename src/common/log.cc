#include "common/log.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <mutex>
#include <set>
#include <string>

namespace sluice::log {
namespace {

std::mutex g_mu;
spdlog::level::level_enum g_level = spdlog::level::info;  // GUARDED_BY(g_mu)
std::set<std::string> g_overridden;                       // GUARDED_BY(g_mu)
std::set<std::string> g_components;                       // GUARDED_BY(g_mu)

// REQUIRES: g_mu held.
std::shared_ptr<spdlog::logger> get_locked(const std::string& name) {
  if (auto existing = spdlog::get(name)) return existing;
  auto logger =
      std::make_shared<spdlog::logger>(name, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %n: %v", spdlog::pattern_time_type::utc);
  logger->set_level(g_level);
  spdlog::register_logger(logger);
  g_components.insert(name);
  return logger;
}

}  // namespace

std::shared_ptr<spdlog::logger> get(std::string_view component) {
  std::lock_guard lock(g_mu);
  return get_locked(std::string(component));
}

void set_default_level(spdlog::level::level_enum level) {
  std::lock_guard lock(g_mu);
  g_level = level;
  for (const auto& name : g_components) {
    if (g_overridden.count(name) == 0) get_locked(name)->set_level(level);
  }
}

void set_level(std::string_view component, spdlog::level::level_enum level) {
  std::lock_guard lock(g_mu);
  const std::string name(component);
  g_overridden.insert(name);
  get_locked(name)->set_level(level);
}

std::optional<spdlog::level::level_enum> parse_level(std::string_view name) {
  for (int i = spdlog::level::trace; i < spdlog::level::n_levels; ++i) {
    const auto level = static_cast<spdlog::level::level_enum>(i);
    if (level_name(level) == name) return level;
  }
  return std::nullopt;
}

std::string level_name(spdlog::level::level_enum level) {
  // spdlog says "warning" and "critical"; "warn" is what people type.
  if (level == spdlog::level::warn) return "warn";
  const auto view = spdlog::level::to_string_view(level);
  return std::string(view.data(), view.size());
}

Levels levels() {
  std::lock_guard lock(g_mu);
  Levels result{g_level, {}};
  for (const auto& name : g_components) result.components[name] = get_locked(name)->level();
  return result;
}

}  // namespace sluice::log
