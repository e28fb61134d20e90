// The host's log (spdlog) and the adapter plugins see as stopd::sdk::Logger.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <string>
#include <string_view>

#include "stopd/sdk/logger.hpp"

namespace stopd::core {

// The process-wide logger ("stopd"), writing to stderr. Created on first use at level `warn`.
std::shared_ptr<spdlog::logger> host_logger();

// Throws std::invalid_argument for a name other than trace|debug|info|warn|error|off.
void set_log_level(std::string_view level);

spdlog::level::level_enum to_spdlog_level(sdk::LogLevel level);

// A logger for one plugin: every line carries plugin=<name>.
std::shared_ptr<sdk::Logger> make_plugin_logger(std::string plugin_name);

}  // namespace stopd::core
