// --local's backend: the core in this process, exactly as the daemon assembles it (LocalCore).
#include <optional>

#include "stopd/cli/backend.hpp"
#include "stopd/cli/local_core.hpp"
#include "stopd/core/plugin_loader.hpp"

namespace stopd::cli {
namespace {

using nlohmann::json;

ProviderView view_of(const core::RegisteredProvider& p, const core::HostConfig& config) {
  ProviderView view;
  view.name = p.name();
  view.version = p.info.version;
  view.description = p.info.description;
  view.library = p.library.string();
  view.capabilities = p.info.capabilities;
  view.concurrency = p.concurrency;
  view.default_concurrency = p.info.default_concurrency;
  view.max_attempts_configured = p.max_attempts > 0;
  view.max_attempts = p.max_attempts > 0 ? p.max_attempts : config.dispatcher.max_attempts;
  view.target_schema = p.info.target_schema;
  view.options_schema = p.info.options_schema;
  view.selector_schema = p.info.selector_schema;
  if (p.plugin_host) {
    const core::PluginHostStatus status = p.plugin_host->status();
    view.isolated = true;
    view.plugin_host_state = core::to_string(status.state);
    view.plugin_host_restarts = status.restarts;
    view.plugin_host_last_exit = status.last_exit;
  }
  return view;
}

class LocalBackend final : public Backend {
 public:
  explicit LocalBackend(const GlobalOptions& global) : global_(global) {}

  std::string plugins_list_command() const override { return "stopctl --local plugins list"; }

  std::string command_prefix() const override {
    std::string prefix = "stopctl --local";
    if (global_.config_file) prefix += " --config " + shell_quote(*global_.config_file);
    return prefix;
  }

  ProviderListing list_providers() override {
    const LocalCore& core = this->core();
    const core::PluginLoadReport& report = core.host->load_report();
    ProviderListing listing;
    for (const auto* provider : core.host->registry().all())
      listing.providers.push_back(view_of(*provider, core.config));
    for (const auto& r : report.refused) listing.refused.push_back({r.file.string(), r.reason});
    listing.warnings = report.warnings;
    listing.none_loaded = loaded_plugins_note(core);
    listing.refused_heading = "Refused plugins (host offers " + core::host_abi_description() + "):";
    listing.json = {{"warnings", report.warnings},
                    {"plugin_dirs", json::array()},
                    {"host_abi", core::host_abi_description()}};
    for (const auto& dir : core.plugin_dirs) listing.json["plugin_dirs"].push_back(dir.string());
    return listing;
  }

  ProviderLookup find_provider(const std::string& name) override {
    const LocalCore& core = this->core();
    ProviderLookup lookup;
    if (const core::RegisteredProvider* found = core.host->registry().find(name))
      lookup.provider = view_of(*found, core.config);
    else
      lookup.unknown =
          " (" + loaded_plugins_note(core) + refused_plugins_note(core.host->load_report()) + ")";
    return lookup;
  }

 private:
  LocalCore& core() {
    if (!core_) core_.emplace(open_local_core(global_));
    return *core_;
  }

  const GlobalOptions& global_;
  std::optional<LocalCore> core_;
};

}  // namespace

std::unique_ptr<Backend> make_local_backend(const GlobalOptions& global, Console& /*console*/) {
  return std::make_unique<LocalBackend>(global);
}

}  // namespace stopd::cli
