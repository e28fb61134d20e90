// `stopctl stop TYPE --selector KEY=VALUE…`: every resource the provider's list() matches, one
// stop each, all submitted at once; one result per target, and the exit code of the worst.
#pragma once

#include "stopd/cli/console.hpp"
#include "stopd/cli/options.hpp"
#include "stopd/cli/stop_plan.hpp"

namespace stopd::cli {

// --local: Host::list, then the dispatcher in this process (selector_stop.cpp).
int run_local_selector_stop(const GlobalOptions& global, const StopArguments& args,
                            const StopPlan& plan, Console& console);
// The daemon: ListTargets, then one job per target (selector_stop.cpp).
int run_daemon_selector_stop(const GlobalOptions& global, const StopArguments& args,
                             const StopPlan& plan, Console& console);

}  // namespace stopd::cli
