// `stopctl --local stop`: the dispatcher in this process; Ctrl-C cancels the stop.
#include <unistd.h>

#include <mutex>

#include "stopd/cli/cli_error.hpp"
#include "stopd/cli/job_render.hpp"
#include "stopd/cli/local_core.hpp"
#include "stopd/cli/signal_watcher.hpp"
#include "stopd/cli/stop_command.hpp"
#include "stopd/core/target_arguments.hpp"

namespace stopd::cli {
namespace {

using nlohmann::json;
using sdk::Code;

// When a stop takes longer than this on a terminal, say what stopctl is waiting for.
constexpr std::chrono::seconds kWaitingNoticeAfter{1};

// Connects the signal watcher with the ticket of the stop in flight.
class Interrupter {
 public:
  explicit Interrupter(Console& console)
      : console_(console),
        watcher_([this](int signal) { on_signal(signal); },
                 "stopctl: interrupted again: exiting without waiting for the stop to wind down\n",
                 core::exit_code::cancelled) {}

  bool interrupted() const { return watcher_.received() != 0; }

  void attach(std::shared_ptr<core::StopTicket> ticket) {
    std::lock_guard lock(mutex_);
    ticket_ = std::move(ticket);
    if (interrupted()) ticket_->cancel();
  }

  // Before the dispatcher goes away: a late signal must not touch its ticket.
  void detach() {
    std::lock_guard lock(mutex_);
    ticket_.reset();
  }

 private:
  void on_signal(int signal) {
    console_.err(std::string("stopctl: ") + signal_display_name(signal) +
                 " received: cancelling the stop (send it again to exit at once)");
    std::lock_guard lock(mutex_);
    if (ticket_) ticket_->cancel();
  }

  Console& console_;
  std::mutex mutex_;
  std::shared_ptr<core::StopTicket> ticket_;
  SignalWatcher watcher_;  // last: stopped before the members its callback uses
};

}  // namespace

int run_local_stop(const GlobalOptions& global, const StopArguments& args, const StopPlan& plan,
                   Console& console) {
  json target;  // null until the arguments are parsed
  const auto refuse = [&](Code code, const std::string& message) {
    return print_stop_result(console, plan, args, target, refused_result(code, message));
  };
  if (auto problem = argument_problem(args, "stopctl --local plugins list"); !problem.empty())
    return refuse(Code::invalid_argument, problem);

  // Signals are blocked from here on, before the host starts any thread.
  Interrupter interrupter(console);
  LocalCore core = open_local_core(global);
  struct DetachFirst {
    Interrupter& interrupter;
    ~DetachFirst() { interrupter.detach(); }
  } detach_first{interrupter};

  const core::ProviderRegistry& registry = core.host->registry();
  if (registry.empty())
    throw config_error("no usable plugin: " + loaded_plugins_note(core) +
                       refused_plugins_note(core.host->load_report()));
  const core::RegisteredProvider* provider = registry.find(args.type);
  if (provider == nullptr)
    return refuse(Code::invalid_argument,
                  "TYPE: unknown resource type '" + shorten(args.type, 100) + "' (" +
                      loaded_plugins_note(core) + refused_plugins_note(core.host->load_report()) +
                      "); 'stopctl --local plugins list' shows the providers");
  sdk::StopRequest request = plan.request;
  try {
    target = core::parse_target_arguments(args.target, provider->info.target_schema);
  } catch (const std::invalid_argument& e) {
    return refuse(Code::invalid_argument, std::string("target: ") + e.what());
  }
  try {
    request.options = core::parse_target_arguments(args.options, provider->info.options_schema);
  } catch (const std::invalid_argument& e) {
    return refuse(Code::invalid_argument, std::string("--option: ") + e.what());
  }
  request.target = target;
  if (interrupter.interrupted())
    return refuse(Code::cancelled, "interrupted before the stop was submitted; nothing was done");

  core::SubmitOptions submit;
  if (plan.deadline_ms >= 0)
    submit.deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(plan.deadline_ms);
  const std::string schedule = schedule_text(request);
  auto ticket = core.host->dispatcher().submit(std::move(request), submit);
  interrupter.attach(ticket);
  if (!ticket->wait_for(kWaitingNoticeAfter) && !console.json() && isatty(STDERR_FILENO) == 1)
    console.err("stopctl: stopping " + args.type + " " + target_text(target) + " (" + schedule +
                "; Ctrl-C cancels)…");
  const core::StopResult result = ticket->wait();
  interrupter.detach();
  return print_stop_result(console, plan, args, target, result);
}

}  // namespace stopd::cli
