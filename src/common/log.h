// Structured logging: one line per event, "time level component: message key=value ...",
// to stderr. Components get their own named logger so that levels can differ per component;
// levels can change while the broker runs (the admin API's /v1/log-levels).
#pragma once

#include <spdlog/spdlog.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::log {

// The logger for `component` (e.g. "storage", "kafka"), created on first use.
std::shared_ptr<spdlog::logger> get(std::string_view component);

// Sets the level of every component without a level of its own, existing and future.
void set_default_level(spdlog::level::level_enum level);
// Sets the level of one component (created now if it does not exist yet), overriding the
// default for it from now on.
void set_level(std::string_view component, spdlog::level::level_enum level);
// "trace", "debug", "info", "warn", "error", "critical", "off"; nullopt for anything else.
std::optional<spdlog::level::level_enum> parse_level(std::string_view name);
std::string level_name(spdlog::level::level_enum level);

struct Levels {
  spdlog::level::level_enum default_level;
  std::map<std::string, spdlog::level::level_enum> components;  // every logger created so far
};
Levels levels();

}  // namespace sluice::log
