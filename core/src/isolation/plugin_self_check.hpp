// stopd-plugin-host --validate: the checks of `stopctl plugins validate`, run in the process that
// loads the plugin, so a plugin that crashes while loading or constructing takes only this
// process down. The loader's own steps (plugin_steps), each reported instead of refused at once.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

namespace stopd::core {

// Writes JSON lines to stdout, each flushed at once: {"step": …} before each step that runs
// plugin code (the last one is where it crashed, if it did), {"descriptor": {…}} once it can be
// read, and one {"check": NAME, "ok": …, "message": …} per check. `settings_by_type` maps resource
// types to settings objects (the config's providers.<type>.settings); the plugin gets its own,
// or {}. Returns the exit status: 0 when every check passed, 1 otherwise.
int self_check_plugin(const std::filesystem::path& file, const nlohmann::json& settings_by_type);

}  // namespace stopd::core
