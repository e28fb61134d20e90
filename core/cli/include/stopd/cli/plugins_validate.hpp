// `stopctl plugins validate FILE.so [--config FILE]`: whether a plugin library would load, and
// load cleanly, before it is dropped into a plugin directory (or in its author's CI).
#pragma once

#include "stopd/cli/console.hpp"
#include "stopd/cli/options.hpp"

namespace stopd::cli {

// 0 when every check passed; exit_code::config (3, "no usable plugin") when any failed or the
// plugin crashed the checking process; 3 too for a --config that cannot be read.
int run_plugins_validate(const GlobalOptions& global, const ValidateArguments& args,
                         Console& console);

}  // namespace stopd::cli
