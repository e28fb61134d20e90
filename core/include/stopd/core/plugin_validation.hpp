// `stopctl plugins validate`: every check the loader makes on one plugin library, and a few it
// does not (the published schemas, the capabilities), run in a stopd-plugin-host process so a
// plugin that crashes while loading or constructing cannot take the caller down.
#pragma once

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace stopd::core {

struct PluginCheck {
  std::string name;  // "library", "abi", "toolchain", "settings", "target_schema", …
  bool ok = false;
  std::string message;                              // what is wrong, when not ok
  nlohmann::json facts = nlohmann::json::object();  // e.g. both sides of the ABI check
};

struct PluginValidation {
  nlohmann::json descriptor;  // null until the checking process could read it
  std::vector<PluginCheck> checks;
  // Set when the checking process died or hung: how it ended ("SIGSEGV") and what it was doing.
  std::string crash;
  std::string crashed_while;
  bool ok() const;
};

// `settings_by_type` maps resource types to settings objects (a config's
// providers.<type>.settings); the plugin is checked with its own, or with {}, and with the
// caller's environment (where settings may name secrets). Throws
// std::runtime_error when the plugin host cannot be started at all.
PluginValidation validate_plugin_file(const std::filesystem::path& plugin_host,
                                      const std::filesystem::path& file,
                                      const nlohmann::json& settings_by_type,
                                      std::chrono::seconds timeout = std::chrono::seconds(30));

}  // namespace stopd::core
