#include "stopd/cli/local_core.hpp"

#include "stopd/cli/cli_error.hpp"
#include "stopd/core/logging.hpp"

namespace stopd::cli {

core::HostConfig load_config(const GlobalOptions& options) {
  core::HostConfig config;
  if (options.config_file) {
    if (options.config_file->empty()) throw config_error("--config: the file name is empty");
    try {
      config = core::load_host_config(*options.config_file);
    } catch (const core::ConfigError& e) {
      throw config_error(e.what());
    }
  }
  const std::string& level = options.log_level ? *options.log_level : config.log_level;
  try {
    core::set_log_level(level);
  } catch (const std::invalid_argument& e) {
    // --log-level is checked by the parser, so this is the config's value.
    throw config_error("log_level: " + std::string(e.what()));
  }
  return config;
}

LocalCore open_local_core(const GlobalOptions& options) {
  LocalCore core;
  core.config = load_config(options);
  const std::filesystem::path default_dir = core::default_plugin_dir();
  if (core.config.plugin_dirs)
    core.plugin_dirs = *core.config.plugin_dirs;
  else
    core.plugin_dirs.push_back(default_dir);
  // stopctl shuts the host down only after it has printed every result, so each stop it ran has
  // answered by then. A stop() still in plugin code at that point ignores its deadline and
  // cancellation; waiting for it would only delay the exit the result promises.
  core.config.dispatcher.shutdown_timeout = std::chrono::milliseconds(200);
  try {
    core.host = std::make_unique<core::Host>(core.config, default_dir);
  } catch (const core::ConfigError& e) {
    throw config_error(e.what());  // a provider refused the settings the config gives it
  }
  return core;
}

std::string refused_plugins_note(const core::PluginLoadReport& report) {
  if (report.refused.empty()) return {};
  std::string note = "; refused plugins: ";
  for (std::size_t i = 0; i < report.refused.size(); ++i) {
    if (i > 0) note += "; ";
    note += report.refused[i].file.string() + ": " + report.refused[i].reason;
  }
  return note;
}

std::string loaded_plugins_note(const LocalCore& core) {
  if (!core.host->registry().empty()) return "loaded: " + core.host->registry().names();
  std::string dirs;
  for (const auto& dir : core.plugin_dirs) dirs += (dirs.empty() ? "" : ", ") + dir.string();
  for (const auto& file : core.config.plugins) dirs += (dirs.empty() ? "" : ", ") + file.string();
  return "no plugin is loaded (searched: " + (dirs.empty() ? std::string("nothing") : dirs) + ")";
}

}  // namespace stopd::cli
