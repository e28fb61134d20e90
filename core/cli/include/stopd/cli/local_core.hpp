// `--local`: the core in this process, exactly as the daemon assembles it.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "stopd/cli/options.hpp"
#include "stopd/core/host.hpp"
#include "stopd/core/host_config.hpp"

namespace stopd::cli {

struct LocalCore {
  core::HostConfig config;
  std::vector<std::filesystem::path> plugin_dirs;  // the directories searched for plugins
  std::unique_ptr<core::Host> host;
};

// Reads --config (or takes the defaults) and applies the log level (--log-level over the
// config's). Throws CliError(config) for an unreadable or invalid file.
core::HostConfig load_config(const GlobalOptions& options);

// Loads the plugins and builds the dispatcher.
LocalCore open_local_core(const GlobalOptions& options);

// "; refused plugins: /x/liba.so: <reason>; …", or "" when none was refused.
std::string refused_plugins_note(const core::PluginLoadReport& report);

// "loaded: a, b" or "no plugin is loaded (searched: /dir; …)".
std::string loaded_plugins_note(const LocalCore& core);

}  // namespace stopd::cli
