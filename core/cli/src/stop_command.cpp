#include "stopd/cli/stop_command.hpp"

#include "stopd/cli/cli_error.hpp"
#include "stopd/cli/selector_stop.hpp"

namespace stopd::cli {

int run_stop(const GlobalOptions& global, const StopArguments& args, Console& console) {
  // The command line first: a usage error never loads a plugin nor dials the daemon.
  const StopPlan plan = plan_stop(args);
  if (!args.selector.empty()) {
    if (!args.target.empty())
      throw usage_error(
          "--selector and target KEY=VALUE arguments cannot be used together: KEY=VALUE names "
          "one resource, --selector stops every resource it matches");
    if (args.request_id)
      throw usage_error(
          "--request-id is one job's idempotency key; --selector makes a job per match");
    return global.local ? run_local_selector_stop(global, args, plan, console)
                        : run_daemon_selector_stop(global, args, plan, console);
  }
  if (global.local) {
    if (args.request_id)
      throw usage_error(
          "--request-id is the daemon's idempotency key for a job; --local keeps no jobs");
    return run_local_stop(global, args, plan, console);
  }
  return run_daemon_stop(global, args, plan, console);
}

}  // namespace stopd::cli
