// The one JSON configuration file shared by `stopctl --local` and the daemon. Unknown keys and
// wrong types are errors that name the key, so a typo never silently falls back to a default.
//
// {
//   "plugin_dirs": ["/usr/lib/stopd/plugins"],          // default: <prefix>/lib/stopd/plugins
//   "plugins": ["/opt/acme/libacme_thing.so"],          // extra plugin libraries
//   "providers": {
//     "local.process": { "settings": { … }, "max_concurrency": 10000, "max_attempts": 3 }
//   },
//   "dispatcher": { "deadline_margin_seconds": 30, "drain_deadline_seconds": 3600,
//                   "max_attempts": 5, "backoff_initial_ms": 200, "backoff_max_ms": 10000 },
//   "log_level": "info"
// }
//
// The same file also holds the daemon's sections (listen, auth, journal, metrics,
// drain_timeout_seconds; see daemon_config.hpp). The schema covers them too, so a typo there is an
// error for stopctl --local as well, but parse_host_config does not read them.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "stopd/core/dispatcher.hpp"
#include "stopd/core/isolation.hpp"

namespace stopd::core {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ProviderSettings {
  nlohmann::json settings = nlohmann::json::object();
  std::optional<unsigned> max_concurrency;
  std::optional<unsigned> max_attempts;
  ProviderIsolation isolation;  // "isolation" and "plugin_host"
};

struct HostConfig {
  std::optional<std::vector<std::filesystem::path>> plugin_dirs;  // nullopt: the default dir
  std::vector<std::filesystem::path> plugins;
  std::map<std::string, ProviderSettings> providers;
  DispatcherOptions dispatcher;
  std::string log_level = "warn";
  // The stopd-plugin-host executable isolated providers run in; not a config key (empty: next to
  // the running executable, see default_plugin_host_executable()). Tests set it.
  std::filesystem::path plugin_host_executable;
};

// Throws ConfigError("config.providers.local.process.max_concurrency: expected a number >= 1, got
// -1"). Relative paths are resolved against `base_dir` (the config file's directory).
HostConfig parse_host_config(const nlohmann::json& document, const std::filesystem::path& base_dir);

// Reads and parses a file; errors name the file (and line/column for JSON syntax errors).
// Relative paths in it resolve against the file's directory.
HostConfig load_host_config(const std::filesystem::path& file);

// Reads a config file as JSON, without validating it: ConfigError naming the file when it cannot
// be read, exceeds limits::kMaxConfigFileBytes (a pipe or /dev/zero stops there), nests deeper
// than limits::kMaxNesting or is not JSON (with line and column, never quoting the text).
nlohmann::json read_config_document(const std::filesystem::path& file);

// The same for config text already in memory, called `origin` in messages.
nlohmann::json parse_config_text(std::string_view text, const std::string& origin);

// The JSON Schema of the whole config file, daemon sections included (also what
// `stopd --print-config-schema` will show).
const nlohmann::json& host_config_schema();

}  // namespace stopd::core
