#include "stopd/cli/stop_command.hpp"

#include "stopd/cli/cli_error.hpp"

namespace stopd::cli {

int run_stop(const GlobalOptions& global, const StopArguments& args, Console& console) {
  // The command line first: a usage error never loads a plugin nor dials the daemon.
  const StopPlan plan = plan_stop(args);
  if (global.local) {
    if (args.request_id)
      throw usage_error(
          "--request-id is the daemon's idempotency key for a job; --local keeps no jobs");
    return run_local_stop(global, args, plan, console);
  }
  return run_daemon_stop(global, args, plan, console);
}

}  // namespace stopd::cli
