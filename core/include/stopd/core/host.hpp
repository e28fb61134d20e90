// The assembled core: plugins loaded into a registry, and a dispatcher over it. The daemon,
// `stopctl --local` and the tests all start here, so they run the same code.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "stopd/core/dispatcher.hpp"
#include "stopd/core/host_config.hpp"
#include "stopd/core/plugin_loader.hpp"
#include "stopd/core/registry.hpp"

namespace stopd::core {

class Host {
 public:
  // `default_plugin_dir` is used when the config names no plugin_dirs. Throws ConfigError naming
  // `config.providers.<type>` when a plugin refuses the settings the config gives it; other
  // refusals are in load_report() and the rest of the plugins load.
  Host(const HostConfig& config, const std::filesystem::path& default_plugin_dir);
  ~Host();

  const PluginLoadReport& load_report() const { return report_; }
  const ProviderRegistry& registry() const { return registry_; }
  Dispatcher& dispatcher() { return *dispatcher_; }

  // Validates `selector` against the provider's selector schema and calls its list().
  // Throws sdk::StopError (unknown type, invalid selector, provider failure).
  std::vector<nlohmann::json> list(std::string_view type, const nlohmann::json& selector) const;

 private:
  void load_with_isolation(const HostConfig& config, const PluginSources& sources,
                           nlohmann::json settings);

  ProviderRegistry registry_;
  PluginLoadReport report_;
  std::unique_ptr<Dispatcher> dispatcher_;  // declared last: destroyed before the providers
};

// <directory of the running executable>/../lib/stopd/plugins (STOPD_PLUGIN_INSTALL_DIR): right
// in the build tree and after installation alike.
std::filesystem::path default_plugin_dir();

}  // namespace stopd::core
