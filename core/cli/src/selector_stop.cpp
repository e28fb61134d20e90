// `stopctl stop TYPE --selector …`: the provider's list() expands the selector (in this process
// with --local, through ListTargets otherwise), then every match is stopped at once, one stop or
// job each. Output: one result per target (a line each; under -o json one object holding them
// all); the exit code is the highest of theirs.
#include "stopd/cli/selector_stop.hpp"

#include <algorithm>
#include <mutex>
#include <optional>

#include "convert.hpp"
#include "stopd/cli/cli_error.hpp"
#include "stopd/cli/daemon_client.hpp"
#include "stopd/cli/job_follower.hpp"
#include "stopd/cli/job_render.hpp"
#include "stopd/cli/local_core.hpp"
#include "stopd/cli/selector_arguments.hpp"
#include "stopd/cli/signal_watcher.hpp"
#include "stopd/cli/stop_message.hpp"
#include "stopd/cli/wait_interrupter.hpp"
#include "stopd/core/exit_codes.hpp"
#include "stopd/core/target_arguments.hpp"
#include "stopd/grpc_status/grpc_status.hpp"

namespace stopd::cli {
namespace {

using nlohmann::json;
using sdk::Code;

// What a selector stop prints: one entry per target, printed together once all have ended.
class SelectorReport {
 public:
  // `given`: the --selector arguments as typed, to name them when nothing matched.
  SelectorReport(Console& console, std::string type, json selector,
                 const std::vector<std::string>& given)
      : console_(console), type_(std::move(type)), selector_(std::move(selector)) {
    for (const auto& pair : given) given_ += (given_.empty() ? "" : " ") + shorten(pair, 100);
  }

  void add(int exit_code, json as_json, std::string line, bool succeeded) {
    worst_ = std::max(worst_, exit_code);
    results_.push_back(std::move(as_json));
    lines_.push_back({std::move(line), succeeded});
  }
  void hidden(unsigned count) { hidden_ = count; }

  int print() {
    if (console_.json()) {
      console_.out_json({{"type", type_},
                         {"selector", selector_},
                         {"matched", results_.size()},
                         {"hidden", hidden_},
                         {"results", results_},
                         {"exit_code", worst_}});
      return worst_;
    }
    // Nothing failed, so exit 0; but say it where a script's stdout does not mix it in, as
    // `kubectl delete -l` does.
    if (results_.empty())
      console_.err("stopctl: no " + type_ + " matched the selector " + given_ +
                   (hidden_ > 0
                        ? " (" + std::to_string(hidden_) + " more are outside your token's scopes)"
                        : "") +
                   "; nothing was stopped");
    for (const auto& [line, succeeded] : lines_)
      succeeded ? console_.out(line) : console_.err(line);
    return worst_;
  }

 private:
  Console& console_;
  std::string type_;
  json selector_;
  std::string given_;
  std::vector<json> results_;
  std::vector<std::pair<std::string, bool>> lines_;
  unsigned hidden_ = 0;
  int worst_ = core::exit_code::ok;
};

// A refusal before anything was stopped: printed like a single stop's refusal.
int refuse(Console& console, const StopPlan& plan, const StopArguments& args, Code code,
           const std::string& message) {
  return print_stop_result(console, plan, args, nullptr, refused_result(code, message));
}

// Ctrl-C cancels every stop in flight (and says so); a second one exits at once.
class CancelAll {
 public:
  explicit CancelAll(Console& console)
      : console_(console),
        watcher_([this](int signal) { cancel(signal); },
                 "stopctl: interrupted again: exiting without waiting for the stops to wind down\n",
                 core::exit_code::cancelled) {}
  void add(std::shared_ptr<core::StopTicket> ticket) {
    std::lock_guard lock(mutex_);
    if (watcher_.received() != 0) ticket->cancel();
    tickets_.push_back(std::move(ticket));
  }
  void clear() {
    std::lock_guard lock(mutex_);
    tickets_.clear();
  }

 private:
  void cancel(int signal) {
    console_.err(std::string("stopctl: ") + signal_display_name(signal) +
                 " received: cancelling the stops (send it again to exit at once)");
    std::lock_guard lock(mutex_);
    for (const auto& ticket : tickets_) ticket->cancel();
  }
  Console& console_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<core::StopTicket>> tickets_;
  SignalWatcher watcher_;  // last: stopped before the members its callback uses
};

}  // namespace

int run_local_selector_stop(const GlobalOptions& global, const StopArguments& args,
                            const StopPlan& plan, Console& console) {
  if (auto problem = argument_problem(args, "stopctl --local plugins list"); !problem.empty())
    return refuse(console, plan, args, Code::invalid_argument, problem);
  CancelAll cancel_all(console);  // signals blocked before the host starts any thread
  LocalCore core = open_local_core(global);
  struct ClearFirst {
    CancelAll& cancel_all;
    ~ClearFirst() { cancel_all.clear(); }
  } clear_first{cancel_all};

  const core::ProviderRegistry& registry = core.host->registry();
  if (registry.empty())
    throw config_error("no usable plugin: " + loaded_plugins_note(core) +
                       refused_plugins_note(core.host->load_report()));
  const core::RegisteredProvider* provider = registry.find(args.type);
  if (provider == nullptr)
    return refuse(console, plan, args, Code::invalid_argument,
                  "TYPE: unknown resource type '" + shorten(args.type, 100) + "' (" +
                      loaded_plugins_note(core) + refused_plugins_note(core.host->load_report()) +
                      "); 'stopctl --local plugins list' shows the providers");
  json selector;
  json options;
  try {
    selector = selector_from_arguments(args.selector, provider->info.selector_schema, args.type);
    options = core::parse_target_arguments(args.options, provider->info.options_schema);
  } catch (const std::invalid_argument& e) {
    return refuse(console, plan, args, Code::invalid_argument, e.what());
  }
  std::vector<json> targets;
  try {
    targets = core.host->list(args.type, selector);
  } catch (const sdk::StopError& e) {
    return refuse(console, plan, args, e.code(), std::string("--selector: ") + e.what());
  }

  core::SubmitOptions submit;
  if (plan.deadline_ms >= 0)
    submit.deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(plan.deadline_ms);
  std::vector<std::shared_ptr<core::StopTicket>> tickets;
  for (const auto& target : targets) {
    sdk::StopRequest request = plan.request;
    request.target = target;
    request.options = options;
    tickets.push_back(core.host->dispatcher().submit(std::move(request), submit));
    cancel_all.add(tickets.back());
  }
  SelectorReport report(console, args.type, selector, args.selector);
  for (std::size_t i = 0; i < tickets.size(); ++i) {
    const core::StopResult result = tickets[i]->wait();
    report.add(core::exit_code_for(result.outcome.code),
               result_json(plan.shown_type, targets[i], result),
               human_result(plan.shown_type, targets[i], {}, result), result.succeeded());
  }
  cancel_all.clear();
  return report.print();
}

int run_daemon_selector_stop(const GlobalOptions& global, const StopArguments& args,
                             const StopPlan& plan, Console& console) {
  if (auto problem = argument_problem(args, "stopctl plugins list"); !problem.empty())
    return refuse(console, plan, args, Code::invalid_argument, problem);
  const bool wait = args.wait || args.dry_run;
  std::optional<WaitInterrupter> interrupter;  // before the client: gRPC's threads inherit it
  if (wait) interrupter.emplace();
  DaemonClient client(global, console);

  std::string why;
  const std::optional<v1::Provider> provider = client.find_provider(args.type, why);
  if (!provider)
    return refuse(console, plan, args, Code::invalid_argument,
                  "TYPE: unknown resource type '" + shorten(args.type, 100) + "': stopd at " +
                      client.endpoint() + " says: " + why +
                      "; 'stopctl plugins list' shows the providers");
  json selector;
  json options;
  try {
    selector = selector_from_arguments(args.selector, api::from_struct(provider->selector_schema()),
                                       args.type);
    options =
        core::parse_target_arguments(args.options, api::from_struct(provider->options_schema()));
  } catch (const std::invalid_argument& e) {
    return refuse(console, plan, args, Code::invalid_argument, e.what());
  }

  v1::ListTargetsRequest list;
  list.set_type(args.type);
  *list.mutable_selector() = api::to_struct(selector);
  v1::ListTargetsResponse listed;
  if (const grpc::Status status = client.try_list_targets(list, listed); !status.ok()) {
    const CliError error = client.error(status);
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
        status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
        status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
      throw error;  // stopd itself: unreachable, or the caller is not known to it
    return refuse(console, plan, args, core::from_grpc_code(status.error_code()),
                  std::string("--selector: ") + error.what());
  }

  SelectorReport report(console, args.type, selector, args.selector);
  report.hidden(listed.hidden());
  std::vector<core::Job> jobs;
  for (const auto& target_struct : listed.targets()) {
    const json target = api::from_struct(target_struct);
    v1::Job accepted;
    grpc::Status status;
    try {
      status = client.try_stop(stop_message(plan, args, target, options), accepted);
    } catch (const std::invalid_argument& e) {
      status = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, e.what());
    }
    if (!status.ok()) {
      const core::StopResult refused =
          refused_result(core::from_grpc_code(status.error_code()), client.error(status).what());
      report.add(core::exit_code_for(refused.outcome.code),
                 result_json(plan.shown_type, target, refused),
                 human_result(plan.shown_type, target, {}, refused), false);
      continue;
    }
    jobs.push_back(api::from_proto(accepted));
  }

  for (core::Job job : jobs) {
    if (!wait) {
      report.add(core::exit_code::ok, core::to_json(job), accepted_line(job), true);
      continue;
    }
    // The jobs run in the daemon at once; following them one after the other costs nothing.
    const FollowResult result =
        follow_job(client, job.id, job, FollowOptions{}, *interrupter, console);
    if (result.end != FollowResult::End::finished)
      return report_unfinished_wait(result, client, console);
    job = result.job;
    const Code code = job.outcome ? job.outcome->code : Code::internal;
    report.add(core::exit_code_for(code), core::to_json(job), outcome_line(job),
               sdk::is_success(code));
  }
  return report.print();
}

}  // namespace stopd::cli
