// `stopctl stop TYPE --selector KEY=VALUE…`: every resource the provider's list() matches, one
// stop each, all submitted at once; one result per target, and the exit code of the worst.
#pragma once

#include "stopd/cli/backend.hpp"
#include "stopd/cli/console.hpp"
#include "stopd/cli/options.hpp"
#include "stopd/cli/stop_plan.hpp"

namespace stopd::cli {

// Once run_stop has checked the command line, opened `backend` for the stops (`wait`: they are
// waited for) and found TYPE's `provider`.
int run_selector_stop(Backend& backend, const ProviderView& provider, const StopArguments& args,
                      const StopPlan& plan, bool wait, Console& console);

}  // namespace stopd::cli
