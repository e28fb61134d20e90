// What `stopctl stop` is asked to do, checked before any plugin is loaded or the daemon dialled,
// and how its result is printed: shared by the local path and the daemon's.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
  std::optional<std::string> request_id;  // --request-id: the daemon's idempotency key
};

// A stop's answer as stopctl prints it: a result (--local), the daemon's job, or why stopctl
// stopped waiting for one.
struct StopAnswer {
  nlohmann::json json;     // what -o json prints
  std::string line;        // what a human sees
  bool succeeded = false;  // the line goes to stdout, else to stderr
  int exit_code = 0;
  // False when stopctl stopped waiting (a signal, --timeout, the daemon went away) while the stop
  // goes on in the daemon; `json` and `line` say so.
  bool finished = true;
};

// Throws CliError(usage) for a bad command line (--grace with --immediate, a bad number…).
StopPlan plan_stop(const StopArguments& args);

// Why TYPE or a KEY=VALUE argument cannot be used as given (empty TYPE, oversized, not UTF-8),
// or "" when they all can. `plugins_hint` is the command that lists the providers.
std::string argument_problem(const StopArguments& args, const std::string& plugins_hint);

// A result for a stop refused before it reached a provider.
core::StopResult refused_result(sdk::Code code, std::string message);

// A stop's result as every stop shows one: result_json(), and human_result(). `target` may be
// null when the arguments could not be typed; `arguments` are then shown as given.
StopAnswer result_answer(std::string_view type, const nlohmann::json& target,
                         const core::StopResult& result,
                         const std::vector<std::string>& arguments = {});

// Prints an answer: its JSON object, or its line (stdout on success, stderr otherwise). Returns
// its exit code.
int print_answer(Console& console, const StopAnswer& answer);

// print_answer(result_answer()) of one stop's result, with TYPE and KEY=VALUE as planned.
int print_stop_result(Console& console, const StopPlan& plan, const StopArguments& args,
                      const nlohmann::json& target, const core::StopResult& result);

}  // namespace stopd::cli
