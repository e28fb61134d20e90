// Loads plugin libraries and registers their providers. Checks each library's descriptor (ABI,
// toolchain) before calling anything in it; a plugin that cannot be used is refused with the
// reason and the others still load. Libraries are never unloaded.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "stopd/core/registry.hpp"

namespace stopd::sdk {
struct PluginDescriptor;
}

namespace stopd::core {

struct PluginSources {
  std::vector<std::filesystem::path> directories;  // every lib*.so directly inside
  std::vector<std::filesystem::path> files;        // explicit plugin libraries
};

struct RefusedPlugin {
  std::filesystem::path file;
  std::string reason;     // says what the plugin requires and what the host offers
  std::string type;       // the resource type it declares; empty when it could not be read
  bool settings = false;  // refused over the settings it was given (schema or factory)
};

struct PluginLoadReport {
  std::vector<std::string> loaded;  // registered resource types
  std::vector<RefusedPlugin> refused;
  std::vector<std::string> warnings;  // e.g. settings for a plugin that is not loaded
};

// `settings` maps a resource type to the settings object handed to its factory (validated
// against the plugin's config schema first).
PluginLoadReport load_plugins(const PluginSources& sources, const nlohmann::json& settings,
                              ProviderRegistry& registry);

// Every candidate library of `sources`, in load order (directories first, sorted); a directory
// that cannot be read is refused in `report`.
std::vector<std::filesystem::path> plugin_files(const PluginSources& sources,
                                                PluginLoadReport& report);

// The resource type `file` declares, after the same checks load_plugins makes (descriptor, ABI,
// toolchain). Loads the library (its static initialisers run) but calls nothing in it: what
// stopd-plugin-host --describe runs, so stopd learns the type of an isolated plugin without
// loading it. Throws std::runtime_error with the refusal.
std::string plugin_type_of(const std::filesystem::path& file);

// What this host accepts, for messages and `stopctl plugins`: "ABI 1.0, libstdc++-…".
std::string host_abi_description();

// load_plugins' steps for one library, one at a time and in this order, for
// `stopctl plugins validate` (stopd-plugin-host --validate), which reports each one. Each throws
// std::runtime_error with the refusal load_plugins would give.
namespace plugin_steps {
// Checks the ELF, loads the library (its static initialisers run) and finds the descriptor,
// whose fields are not checked yet: read none before check_abi passed.
const sdk::PluginDescriptor& open(const std::filesystem::path& file);
void check_abi(const sdk::PluginDescriptor& descriptor);        // struct size and ABI
void check_toolchain(const sdk::PluginDescriptor& descriptor);  // the C++ toolchain tag
void check_identity(const sdk::PluginDescriptor& descriptor);   // a resource type and a factory
// The settings against the descriptor's config schema.
void check_settings(const sdk::PluginDescriptor& descriptor, const nlohmann::json& settings);
// Calls the plugin's factory (its constructor).
std::shared_ptr<sdk::IStopProvider> create(const sdk::PluginDescriptor& descriptor,
                                           const nlohmann::json& settings);
// The provider's info() completed from the descriptor (name, version, description, the
// capabilities its code implies), refused where the two disagree.
sdk::ProviderInfo info(const sdk::PluginDescriptor& descriptor, const sdk::IStopProvider& provider);
}  // namespace plugin_steps

}  // namespace stopd::core
