// Which resource type each plugin library provides, learnt in a stopd-plugin-host process
// (`--describe`), so a plugin the config isolates is never loaded into stopd itself, not even
// its static initialisers.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace stopd::core {

struct DescribedPlugin {
  std::string type;     // empty when refused
  std::string refusal;  // why it cannot be used
};

// One entry per file. A library that crashes the describing process is refused with how it
// ended; the others are described again without it.
std::map<std::filesystem::path, DescribedPlugin> describe_plugin_files(
    const std::filesystem::path& plugin_host, const std::vector<std::filesystem::path>& files);

}  // namespace stopd::core
