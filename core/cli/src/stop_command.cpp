#include "stopd/cli/stop_command.hpp"

#include <unistd.h>

#include <mutex>

#include "stopd/cli/cli_error.hpp"
#include "stopd/cli/local_core.hpp"
#include "stopd/cli/seconds_argument.hpp"
#include "stopd/cli/signal_watcher.hpp"
#include "stopd/core/target_arguments.hpp"

namespace stopd::cli {
namespace {

using nlohmann::json;
using sdk::Code;

// When a stop takes longer than this on a terminal, say what stopctl is waiting for.
constexpr std::chrono::seconds kWaitingNoticeAfter{1};

core::StopResult refused_result(Code code, std::string message) {
  core::StopResult result;
  result.outcome = sdk::StopOutcome::make(code, std::move(message));
  result.started = result.finished = std::chrono::system_clock::now();
  return result;
}

bool valid_utf8(const std::string& text) {
  try {
    (void)json(text).dump();
    return true;
  } catch (const json::type_error&) {
    return false;
  }
}

// Why an argument cannot be used as it is, or "" when it can.
std::string argument_problem(const std::string& what, const std::string& argument) {
  if (argument.size() > kMaxArgumentBytes)
    return what + " '" + shorten(argument, 40) + "' is " + std::to_string(argument.size()) +
           " bytes long; at most " + std::to_string(kMaxArgumentBytes) + " are accepted";
  if (!valid_utf8(argument))
    return what + " '" + shorten(json_text(json(argument)), 60) + "' is not valid UTF-8";
  return {};
}

std::string schedule_text(const sdk::StopRequest& request) {
  if (request.mode == sdk::Mode::immediate) return "immediate";
  if (!request.grace) return "unbounded grace";
  return "grace " + format_duration(*request.grace);
}

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

int run_stop(const GlobalOptions& global, const StopArguments& args, Console& console) {
  // The command line first: a usage error never loads a plugin.
  sdk::StopRequest request;
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
  // A count, not an optional duration: GCC 12 at -O2 misreads the optional as maybe-uninitialized.
  const std::chrono::milliseconds::rep deadline_ms =
      args.deadline ? parse_deadline(*args.deadline).count() : -1;
  require_local(global, "stop");

  json target;  // null until the arguments are parsed
  // No resource type is this long; an oversized one is refused below and must not be echoed whole.
  const std::string shown_type = shorten(args.type, 200);
  const auto print = [&](const core::StopResult& result) {
    if (console.json())
      console.out_json(result_json(shown_type, target, result));
    else if (result.succeeded())
      console.out(human_result(shown_type, target, args.target, result));
    else
      console.err(human_result(shown_type, target, args.target, result));
    return core::exit_code_for(result.outcome.code);
  };
  const auto refuse = [&](Code code, const std::string& message) {
    return print(refused_result(code, message));
  };

  if (args.type.empty())
    return refuse(Code::invalid_argument,
                  "TYPE is empty: name a resource type such as local.process ('stopctl --local "
                  "plugins list' shows the loaded ones)");
  if (auto problem = argument_problem("TYPE", args.type); !problem.empty())
    return refuse(Code::invalid_argument, problem);
  for (const auto& pair : args.target)
    if (auto problem = argument_problem("target argument", pair); !problem.empty())
      return refuse(Code::invalid_argument, problem);
  for (const auto& pair : args.options)
    if (auto problem = argument_problem("--option", pair); !problem.empty())
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
  if (deadline_ms >= 0)
    submit.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(deadline_ms);
  const std::string schedule = schedule_text(request);
  auto ticket = core.host->dispatcher().submit(std::move(request), submit);
  interrupter.attach(ticket);
  if (!ticket->wait_for(kWaitingNoticeAfter) && !console.json() && isatty(STDERR_FILENO) == 1)
    console.err("stopctl: stopping " + args.type + " " + target_text(target) + " (" + schedule +
                "; Ctrl-C cancels)…");
  const core::StopResult result = ticket->wait();
  interrupter.detach();
  return print(result);
}

}  // namespace stopd::cli
