// `stopctl plugins list` and `stopctl plugins describe NAME`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "stopd/cli/console.hpp"
#include "stopd/cli/options.hpp"
#include "stopd/core/registry.hpp"

namespace stopd::cli {

int run_plugins_list(const GlobalOptions& global, Console& console);
int run_plugins_describe(const GlobalOptions& global, const DescribeArguments& args,
                         Console& console);

// Example command lines for a provider, built from its target schema: one per alternative of a
// top-level oneOf/anyOf, else one with the required keys (or the first property).
std::vector<std::string> example_command_lines(const core::RegisteredProvider& provider,
                                               const GlobalOptions& global);

}  // namespace stopd::cli
