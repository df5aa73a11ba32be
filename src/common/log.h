// Structured logging: one line per event, "time level component: message key=value ...",
// to stderr. Components get their own named logger so that levels can differ per component.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string_view>

namespace sluice::log {

// The logger for `component` (e.g. "storage", "kafka"), created on first use.
std::shared_ptr<spdlog::logger> get(std::string_view component);

// Sets the level of every existing and future component logger ("debug", "info", ...).
void set_default_level(spdlog::level::level_enum level);

}  // namespace sluice::log
