// The plugin host's side of the protocol (stopd-plugin-host, one process per isolated provider):
// loads one plugin, serves its IStopProvider on the socket stopd gave it, and exits as soon as
// stopd closes the session or disappears.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace stopd::core {

// Serves the session on `fd` (a connected socket) until it ends; never returns.
[[noreturn]] void serve_plugin_host(int fd);

// For each file, one JSON line on stdout: {"file": …, "type": …} or {"file": …, "refusal": …}.
// Loads each library (its static initialisers run) but creates no provider.
int describe_plugins(const std::vector<std::filesystem::path>& files);

}  // namespace stopd::core
