#include "stopd/cli/stop_plan.hpp"

#include "stopd/cli/cli_error.hpp"
#include "stopd/cli/seconds_argument.hpp"
#include "stopd/cli/stop_command.hpp"
#include "stopd/core/bounded_json.hpp"
#include "stopd/core/exit_codes.hpp"

namespace stopd::cli {
namespace {

using nlohmann::json;

// Why an argument cannot be used as it is, or "" when it can.
std::string problem_of(const std::string& what, const std::string& argument) {
  if (argument.size() > kMaxArgumentBytes)
    return what + " '" + shorten(argument, 40) + "' is " + std::to_string(argument.size()) +
           " bytes long; at most " + std::to_string(kMaxArgumentBytes) + " are accepted";
  if (core::invalid_utf8_at(argument))
    return what + " '" + shorten(json_text(json(argument)), 60) + "' is not valid UTF-8";
  return {};
}

}  // namespace

StopPlan plan_stop(const StopArguments& args) {
  StopPlan plan;
  sdk::StopRequest& request = plan.request;
  request.type = args.type;
  request.dry_run = args.dry_run;
  if (args.grace && args.immediate)
    throw usage_error(
        "--grace and --immediate cannot be used together: --immediate forces the stop at once, "
        "--grace says how long to wait before forcing");
  if (args.immediate) {
    request.mode = sdk::Mode::immediate;
  } else {
    request.mode = sdk::Mode::graceful;
    request.grace = args.grace ? parse_grace(*args.grace)
                               : std::optional<std::chrono::milliseconds>(kDefaultGrace);
  }
  if (args.deadline) plan.deadline_ms = parse_deadline(*args.deadline).count();
  // No resource type is this long; an oversized one is refused and must not be echoed whole.
  plan.shown_type = shorten(args.type, 200);
  plan.request_id = args.request_id;
  return plan;
}

std::string argument_problem(const StopArguments& args, const std::string& plugins_hint) {
  if (args.type.empty())
    return "TYPE is empty: name a resource type such as local.process ('" + plugins_hint +
           "' shows the loaded ones)";
  if (auto problem = problem_of("TYPE", args.type); !problem.empty()) return problem;
  for (const auto& pair : args.target)
    if (auto problem = problem_of("target argument", pair); !problem.empty()) return problem;
  for (const auto& pair : args.options)
    if (auto problem = problem_of("--option", pair); !problem.empty()) return problem;
  for (const auto& pair : args.selector)
    if (auto problem = problem_of("--selector", pair); !problem.empty()) return problem;
  return {};
}

core::StopResult refused_result(sdk::Code code, std::string message) {
  core::StopResult result;
  result.outcome = sdk::StopOutcome::make(code, std::move(message));
  result.started = result.finished = std::chrono::system_clock::now();
  return result;
}

StopAnswer result_answer(std::string_view type, const json& target, const core::StopResult& result,
                         const std::vector<std::string>& arguments) {
  StopAnswer answer;
  answer.json = result_json(type, target, result);
  answer.line = human_result(type, target, arguments, result);
  answer.succeeded = result.succeeded();
  answer.exit_code = core::exit_code_for(result.outcome.code);
  return answer;
}

int print_answer(Console& console, const StopAnswer& answer) {
  if (console.json())
    console.out_json(answer.json);
  else if (answer.succeeded)
    console.out(answer.line);
  else
    console.err(answer.line);
  return answer.exit_code;
}

int print_stop_result(Console& console, const StopPlan& plan, const StopArguments& args,
                      const json& target, const core::StopResult& result) {
  return print_answer(console, result_answer(plan.shown_type, target, result, args.target));
}

}  // namespace stopd::cli
