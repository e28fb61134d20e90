// `stopctl stop` through the daemon: type the target by the provider's schema (DescribeProvider),
// submit a job (Stop), and with --wait follow it to its outcome (WatchJob).
#include <optional>

#include "convert.hpp"
#include "stopd/cli/cli_error.hpp"
#include "stopd/cli/daemon_client.hpp"
#include "stopd/cli/job_follower.hpp"
#include "stopd/cli/job_render.hpp"
#include "stopd/cli/stop_command.hpp"
#include "stopd/cli/stop_message.hpp"
#include "stopd/cli/wait_interrupter.hpp"
#include "stopd/core/target_arguments.hpp"
#include "stopd/grpc_status/grpc_status.hpp"

namespace stopd::cli {
namespace {

using nlohmann::json;
using sdk::Code;

// When a stop takes longer than this on a terminal, show what stopctl is waiting for.
constexpr std::chrono::seconds kLiveAfter{1};

// Refusals of the request itself, shown as the stop's outcome (as the dispatcher's refusals are
// in local mode); anything else (unreachable, unauthenticated, timed out) is an error of stopctl.
bool refusal_of_the_request(grpc::StatusCode code) {
  return code == grpc::StatusCode::INVALID_ARGUMENT ||
         code == grpc::StatusCode::PERMISSION_DENIED ||
         code == grpc::StatusCode::FAILED_PRECONDITION || code == grpc::StatusCode::NOT_FOUND ||
         code == grpc::StatusCode::RESOURCE_EXHAUSTED || code == grpc::StatusCode::ALREADY_EXISTS ||
         code == grpc::StatusCode::OUT_OF_RANGE;
}

}  // namespace

v1::StopRequest stop_message(const StopPlan& plan, const StopArguments& args, const json& target,
                             const json& options) {
  v1::StopRequest message;
  message.set_type(plan.request.type);
  *message.mutable_target() = api::to_struct(target);
  *message.mutable_options() = api::to_struct(options);
  if (plan.request.mode == sdk::Mode::immediate) {
    message.set_mode(v1::MODE_IMMEDIATE);
  } else {
    message.set_mode(v1::MODE_GRACEFUL);
    if (!plan.request.grace)
      message.set_unbounded_grace(true);
    else
      message.set_grace_seconds(static_cast<double>(plan.request.grace->count()) / 1000.0);
  }
  if (plan.deadline_ms >= 0)
    message.set_deadline_seconds(static_cast<double>(plan.deadline_ms) / 1000.0);
  message.set_dry_run(plan.request.dry_run);
  message.set_wait(false);  // stopctl follows the job itself (WatchJob): progress, Ctrl-C
  if (args.request_id) message.set_request_id(*args.request_id);
  return message;
}

int run_daemon_stop(const GlobalOptions& global, const StopArguments& args, const StopPlan& plan,
                    Console& console) {
  json target;  // null until the arguments are typed
  const auto refuse = [&](Code code, const std::string& message) {
    return print_stop_result(console, plan, args, target, refused_result(code, message));
  };
  if (auto problem = argument_problem(args, "stopctl plugins list"); !problem.empty())
    return refuse(Code::invalid_argument, problem);

  // A dry run's answer is its outcome: it is always waited for.
  const bool wait = args.wait || args.dry_run;
  // Signals are blocked from here on, before gRPC starts any thread.
  std::optional<WaitInterrupter> interrupter;
  if (wait) interrupter.emplace();
  DaemonClient client(global, console);

  std::string why;
  const std::optional<v1::Provider> provider = client.find_provider(args.type, why);
  if (!provider)
    return refuse(Code::invalid_argument, "TYPE: unknown resource type '" +
                                              shorten(args.type, 100) + "': stopd at " +
                                              client.endpoint() + " says: " + why +
                                              "; 'stopctl plugins list' shows the providers");
  json options;
  try {
    target = core::parse_target_arguments(args.target, api::from_struct(provider->target_schema()));
  } catch (const std::invalid_argument& e) {
    return refuse(Code::invalid_argument, std::string("target: ") + e.what());
  }
  try {
    options =
        core::parse_target_arguments(args.options, api::from_struct(provider->options_schema()));
  } catch (const std::invalid_argument& e) {
    return refuse(Code::invalid_argument, std::string("--option: ") + e.what());
  }
  v1::StopRequest message;
  try {
    message = stop_message(plan, args, target, options);
  } catch (const std::invalid_argument& e) {  // an integer too large to pass exactly
    return refuse(Code::invalid_argument, e.what());
  }
  if (interrupter && interrupter->interrupted())
    return refuse(Code::cancelled, "interrupted before the stop was submitted; nothing was done");

  v1::Job accepted;
  if (const grpc::Status status = client.try_stop(message, accepted); !status.ok()) {
    const CliError error = client.error(status);
    if (!refusal_of_the_request(status.error_code())) throw error;
    return refuse(core::from_grpc_code(status.error_code()), error.what());
  }
  core::Job job = api::from_proto(accepted);

  if (!wait) {
    if (console.json())
      console.out_json(core::to_json(job));
    else
      console.out(accepted_line(job));
    return core::exit_code::ok;
  }

  FollowOptions follow;
  follow.live = !console.json();
  follow.live_stream = Console::Stream::err;
  follow.live_after = kLiveAfter;
  follow.live_prefix = "stopping ";
  const FollowResult result = follow_job(client, job.id, job, follow, *interrupter, console);
  if (result.end != FollowResult::End::finished)
    return report_unfinished_wait(result, client, console);
  job = result.job;
  if (console.json())
    console.out_json(core::to_json(job));
  else if (job.outcome && sdk::is_success(job.outcome->code))
    console.out(outcome_line(job));
  else
    console.err(outcome_line(job));
  return core::exit_code_for(job.outcome ? job.outcome->code : Code::internal);
}

}  // namespace stopd::cli
