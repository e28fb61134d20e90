// `stopctl plugins list` and `stopctl plugins describe NAME`: the providers of the daemon
// (ListProviders, DescribeProvider), or with --local those this stopctl loads itself.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "stopd/cli/console.hpp"
#include "stopd/cli/options.hpp"
#include "stopd/sdk/provider.hpp"

namespace stopd::cli {

// One provider as `plugins describe` shows it, wherever it was loaded.
struct ProviderView {
  std::string name;
  std::string version;
  std::string description;
  std::string library;  // empty: built into the host
  sdk::Capabilities capabilities;
  unsigned concurrency = 0;
  std::optional<unsigned> default_concurrency;  // known locally only
  std::optional<unsigned> max_attempts;         // known locally only
  bool max_attempts_configured = false;
  nlohmann::json target_schema = nlohmann::json::object();
  nlohmann::json options_schema = nlohmann::json::object();
  nlohmann::json selector_schema = nlohmann::json::object();
  bool isolated = false;          // runs in a stopd-plugin-host process (isolation: process)
  std::string plugin_host_state;  // running | restarting | failed (isolated only)
  unsigned plugin_host_restarts = 0;
  std::string plugin_host_last_exit;
};

int run_plugins_list(const GlobalOptions& global, Console& console);
int run_plugins_describe(const GlobalOptions& global, const DescribeArguments& args,
                         Console& console);

// "stopctl --local --config x.json", "stopctl --socket /x": how the example commands start, so
// they reach the same providers.
std::string command_prefix(const GlobalOptions& global);

// Example command lines for a provider, built from its target schema: one per alternative of a
// top-level oneOf/anyOf, else one with the required keys (or the first property). `stopctl` is
// command_prefix()'s.
std::vector<std::string> example_command_lines(const ProviderView& provider,
                                               const std::string& stopctl);

}  // namespace stopd::cli
