// `stopctl jobs watch ID`: follow a job to its outcome.
#include "convert.hpp"
#include "stopd/cli/cli_error.hpp"
#include "stopd/cli/daemon_client.hpp"
#include "stopd/cli/job_follower.hpp"
#include "stopd/cli/job_render.hpp"
#include "stopd/cli/jobs_command.hpp"
#include "stopd/cli/wait_interrupter.hpp"

namespace stopd::cli {

int run_jobs_watch(const GlobalOptions& global, const JobArguments& args, Console& console) {
  if (args.id.empty())
    throw usage_error("ID: the job id is empty ('stopctl jobs list' shows them)");
  // Signals are blocked from here on, before gRPC starts any thread.
  WaitInterrupter interrupter;
  DaemonClient client(global, console);

  // On a terminal a live line; otherwise every event, one line (or JSON object) each.
  const bool live = !console.json() && console.terminals().out;
  FollowOptions follow;
  follow.print_events = !live;
  follow.live = live;
  follow.live_stream = Console::Stream::out;
  follow.live_prefix = args.id + " ";
  const FollowResult result =
      follow_job(client, args.id, std::nullopt, follow, interrupter, console);
  if (result.end != FollowResult::End::finished)
    return report_unfinished_wait(result, client, console);
  const core::Job& job = result.job;
  const bool succeeded = job.outcome && sdk::is_success(job.outcome->code);
  // The events said it already; on a terminal the live line is gone: the outcome stays.
  if (live) {
    if (succeeded)
      console.out(outcome_line(job));
    else
      console.err(outcome_line(job));
  }
  return core::exit_code_for(job.outcome ? job.outcome->code : sdk::Code::internal);
}

}  // namespace stopd::cli
