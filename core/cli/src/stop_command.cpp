// `stopctl stop TYPE KEY=VALUE…`, written once over the backend: the command line checked, the
// target and options typed by the provider's schemas, the stop submitted, and its answer (the
// outcome, or with the daemon and no --wait the accepted job) printed.
#include "stopd/cli/stop_command.hpp"

#include <memory>

#include "stopd/cli/backend.hpp"
#include "stopd/cli/cli_error.hpp"
#include "stopd/cli/selector_stop.hpp"
#include "stopd/core/target_arguments.hpp"

namespace stopd::cli {
namespace {

using nlohmann::json;
using sdk::Code;

}  // namespace

int run_stop(const GlobalOptions& global, const StopArguments& args, Console& console) {
  // The command line first: a usage error never loads a plugin nor dials the daemon.
  const StopPlan plan = plan_stop(args);
  const bool selector = !args.selector.empty();
  if (selector && !args.target.empty())
    throw usage_error(
        "--selector and target KEY=VALUE arguments cannot be used together: KEY=VALUE names "
        "one resource, --selector stops every resource it matches");
  if (selector && args.request_id)
    throw usage_error(
        "--request-id is one job's idempotency key; --selector makes a job per match");
  const std::unique_ptr<Backend> backend = make_backend(global, console);
  if (args.request_id && !backend->keeps_jobs())
    throw usage_error(
        "--request-id is the daemon's idempotency key for a job; --local keeps no jobs");

  json target;  // null until the arguments are typed
  const auto refuse = [&](Code code, const std::string& message) {
    return print_stop_result(console, plan, args, target, refused_result(code, message));
  };
  if (auto problem = argument_problem(args, backend->plugins_list_command()); !problem.empty())
    return refuse(Code::invalid_argument, problem);

  // A stop that is no job is always waited for; a dry run's answer is its outcome.
  const bool wait = !backend->keeps_jobs() || args.wait || args.dry_run;
  backend->open_for_stops(wait, selector ? "the stops" : "the stop");
  const ProviderLookup found = backend->find_provider(args.type);
  if (!found.provider)
    return refuse(Code::invalid_argument,
                  "TYPE: unknown resource type '" + shorten(args.type, 100) + "'" + found.unknown +
                      "; '" + backend->plugins_list_command() + "' shows the providers");
  if (selector) return run_selector_stop(*backend, *found.provider, args, plan, wait, console);

  json options;
  try {
    target = core::parse_target_arguments(args.target, found.provider->target_schema);
  } catch (const std::invalid_argument& e) {
    return refuse(Code::invalid_argument, std::string("target: ") + e.what());
  }
  try {
    options = core::parse_target_arguments(args.options, found.provider->options_schema);
  } catch (const std::invalid_argument& e) {
    return refuse(Code::invalid_argument, std::string("--option: ") + e.what());
  }
  if (backend->interrupted())
    return refuse(Code::cancelled, "interrupted before the stop was submitted; nothing was done");

  Refusal refused;
  const std::unique_ptr<PendingStop> stop = backend->submit(plan, target, options, refused);
  if (!stop) {
    if (!refused.of_the_request) throw outcome_error(refused.code, refused.message);
    return refuse(refused.code, refused.message);
  }
  return print_answer(console, wait ? stop->outcome(true) : stop->accepted());
}

}  // namespace stopd::cli
