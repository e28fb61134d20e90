// `stopctl plugins list` and `stopctl plugins describe NAME`: the providers of the backend, the
// daemon's (ListProviders, DescribeProvider) or with --local those this stopctl loads itself.
#pragma once

#include <string>
#include <vector>

#include "stopd/cli/backend.hpp"
#include "stopd/cli/console.hpp"
#include "stopd/cli/options.hpp"

namespace stopd::cli {

int run_plugins_list(const GlobalOptions& global, Console& console);
int run_plugins_describe(const GlobalOptions& global, const DescribeArguments& args,
                         Console& console);

// Example command lines for a provider, built from its target schema: one per alternative of a
// top-level oneOf/anyOf, else one with the required keys (or the first property). `stopctl` is
// Backend::command_prefix()'s.
std::vector<std::string> example_command_lines(const ProviderView& provider,
                                               const std::string& stopctl);

}  // namespace stopd::cli
