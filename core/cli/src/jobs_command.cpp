// `stopctl jobs list|show|cancel`.
#include "stopd/cli/jobs_command.hpp"

#include <charconv>

#include "convert.hpp"
#include "stopd/cli/cli_error.hpp"
#include "stopd/cli/daemon_client.hpp"
#include "stopd/cli/job_render.hpp"
#include "stopd/cli/since_argument.hpp"

namespace stopd::cli {
namespace {

using nlohmann::json;

constexpr std::uint32_t kMaxPageSize = 1000;  // the API's

v1::JobState state_of(const std::string& name) {
  if (name == "pending") return v1::JOB_STATE_PENDING;
  if (name == "running") return v1::JOB_STATE_RUNNING;
  if (name == "finished") return v1::JOB_STATE_FINISHED;
  throw usage_error("--state: expected pending, running or finished, got '" + shorten(name, 40) +
                    "'");
}

std::size_t parse_limit(const std::string& text) {
  std::size_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value == 0 ||
      value > kMaxListLimit)
    throw usage_error("--limit: expected a number of jobs from 1 to " +
                      std::to_string(kMaxListLimit) + ", got '" + shorten(text, 40) + "'");
  return value;
}

void check_id(const std::string& id) {
  if (id.empty()) throw usage_error("ID: the job id is empty ('stopctl jobs list' shows them)");
  if (id.size() > 256) throw usage_error("ID: '" + shorten(id, 40) + "' is not a job id");
}

}  // namespace

int run_jobs_list(const GlobalOptions& global, const JobsListArguments& args, Console& console) {
  v1::ListJobsRequest request;
  for (const auto& name : args.states) {
    const v1::JobState state = state_of(name);
    bool seen = false;
    for (const int s : request.states()) seen = seen || s == state;
    if (!seen) request.add_states(state);
  }
  if (args.type) {
    if (args.type->empty()) throw usage_error("--type: the resource type is empty");
    request.set_type(*args.type);
  }
  const auto now = std::chrono::system_clock::now();
  if (args.since)
    *request.mutable_created_after() = api::to_timestamp(parse_moment("--since", *args.since, now));
  if (args.until) {
    const auto until = parse_moment("--until", *args.until, now);
    if (args.since && parse_moment("--since", *args.since, now) >= until)
      throw usage_error("--until: must come after --since ('" + *args.since + "' to '" +
                        *args.until + "' is empty)");
    *request.mutable_created_before() = api::to_timestamp(until);
  }
  const std::size_t limit = args.limit ? parse_limit(*args.limit) : kDefaultListLimit;

  DaemonClient client(global, console);
  std::vector<core::Job> jobs;
  bool more = false;
  std::uint64_t dead_letters = 0;
  while (true) {
    request.set_page_size(
        static_cast<std::uint32_t>(std::min<std::size_t>(limit - jobs.size(), kMaxPageSize)));
    const v1::ListJobsResponse page = client.list_jobs(request);
    dead_letters = page.dead_letters();
    for (const v1::Job& job : page.jobs()) {
      if (jobs.size() == limit) break;
      jobs.push_back(api::from_proto(job));
    }
    more = !page.next_page_token().empty();
    if (!more || jobs.size() >= limit) break;
    request.set_page_token(page.next_page_token());
  }

  if (console.json()) {
    json out = {{"jobs", json::array()}, {"more", more}, {"dead_letters", dead_letters}};
    for (const core::Job& job : jobs) out["jobs"].push_back(core::to_json(job));
    console.out_json(out);
    return core::exit_code::ok;
  }
  // First, and on stderr: what it says matters more than any job in the list.
  if (dead_letters > 0)
    console.err("warning: the journal's tables refused " + std::to_string(dead_letters) +
                " record(s) stopd had acknowledged; each is kept, with why, in the journal's "
                "dead_letters table (README: \"Jobs and the journal\")");
  if (jobs.empty()) {
    console.out("no jobs match");
    return core::exit_code::ok;
  }
  for (const auto& line : job_table(jobs, std::chrono::system_clock::now())) console.out(line);
  if (more)
    console.out("(" + std::to_string(jobs.size()) +
                " shown, newest first; there are more: raise --limit or narrow with --state, "
                "--type, --since, --until)");
  return core::exit_code::ok;
}

int run_jobs_show(const GlobalOptions& global, const JobArguments& args, Console& console) {
  check_id(args.id);
  DaemonClient client(global, console);
  const core::Job job = api::from_proto(client.get_job(args.id));
  if (console.json()) {
    console.out_json(core::to_json(job));
    return core::exit_code::ok;
  }
  for (const auto& line : job_details(job, std::chrono::system_clock::now())) console.out(line);
  return core::exit_code::ok;
}

int run_jobs_cancel(const GlobalOptions& global, const JobArguments& args, Console& console) {
  check_id(args.id);
  DaemonClient client(global, console);
  const core::Job job = api::from_proto(client.cancel_job(args.id));
  if (console.json()) {
    console.out_json(core::to_json(job));
    return core::exit_code::ok;
  }
  const std::string subject =
      "job " + job.id + " (" + job.request.type + " " + target_text(job.request.target) + ")";
  if (!job.is_finished()) {
    console.out("cancelling: " + subject + " is " + std::string(core::to_string(job.state)) +
                "; its request is withdrawn ('stopctl jobs show " + job.id +
                "' shows when it has finished)");
  } else if (job.outcome && job.outcome->code == sdk::Code::cancelled) {
    console.out("cancelled: " + subject + ": " + job.outcome->message);
  } else {
    console.out("already finished: " + subject + " ended before the cancel: " + outcome_line(job));
  }
  return core::exit_code::ok;
}

}  // namespace stopd::cli
