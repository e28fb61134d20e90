// What `stopctl stop` is asked to do, checked before any plugin is loaded or the daemon dialled,
// and how its result is printed: shared by the local path and the daemon's.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "stopd/cli/console.hpp"
#include "stopd/cli/options.hpp"
#include "stopd/core/stop_result.hpp"
#include "stopd/sdk/request.hpp"

namespace stopd::cli {

struct StopPlan {
  sdk::StopRequest request;  // type, mode, grace, dry_run; target and options come later, typed
                             // by the provider's schemas
  // --deadline in ms, or -1. A count, not an optional duration: GCC 12 at -O2 misreads the
  // optional as maybe-uninitialized.
  std::chrono::milliseconds::rep deadline_ms = -1;
  std::string shown_type;  // TYPE cut short for messages (an oversized one must not be echoed)
};

// Throws CliError(usage) for a bad command line (--grace with --immediate, a bad number…).
StopPlan plan_stop(const StopArguments& args);

// Why TYPE or a KEY=VALUE argument cannot be used as given (empty TYPE, oversized, not UTF-8),
// or "" when they all can. `plugins_hint` is the command that lists the providers.
std::string argument_problem(const StopArguments& args, const std::string& plugins_hint);

// A result for a stop refused before it reached a provider.
core::StopResult refused_result(sdk::Code code, std::string message);

// Prints one stop's result like every stop prints it: the human line (stdout on success, stderr
// otherwise) or the JSON object (result_json()). `target` may be null when the arguments could
// not be typed; they are then shown as given. Returns the outcome's exit code.
int print_stop_result(Console& console, const StopPlan& plan, const StopArguments& args,
                      const nlohmann::json& target, const core::StopResult& result);

}  // namespace stopd::cli
