// `stopctl --local batch`: plan → items (selectors expanded, every target validated) → resume →
// the engine over the dispatcher in this process. Ctrl-C cancels the batch.
#include "stopd/cli/batch_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#include "stopd/batch/batch_dispatcher_runner.hpp"
#include "stopd/batch/batch_expansion.hpp"
#include "stopd/batch/batch_report.hpp"
#include "stopd/batch/batch_resume.hpp"
#include "stopd/cli/batch_view.hpp"
#include "stopd/cli/local_core.hpp"
#include "stopd/cli/signal_watcher.hpp"
#include "stopd/core/bounded_read.hpp"
#include "stopd/core/input_limits.hpp"

namespace stopd::cli {

CliError plan_error(const std::string& source, const std::vector<std::string>& problems) {
  std::string message = source + " is not a valid plan; nothing was run:";
  for (const auto& problem : problems) message += "\n  " + problem;
  return CliError(batch_exit_code::invalid_plan, "invalid_plan", message);
}

std::string read_plan(const std::string& path) {
  try {
    return path == "-"
               ? core::read_fd_bounded(STDIN_FILENO, "<stdin>", core::limits::kMaxPlanFileBytes)
               : core::read_file_bounded(path, core::limits::kMaxPlanFileBytes);
  } catch (const core::FileReadError& e) {
    throw CliError(batch_exit_code::invalid_plan, "invalid_plan", std::string("PLAN: ") + e.what());
  }
}

core::FailurePolicy parse_max_failures(const std::string& text) {
  std::optional<core::FailurePolicy> policy = core::FailurePolicy::from_limit(text);
  if (!policy)
    throw usage_error(
        "--max-failures: expected a count (3) or a percentage of all items (10%), "
        "got '" +
        text + "'");
  return *policy;
}

unsigned parse_parallel(const std::string& text) {
  std::size_t used = 0;
  unsigned long value = 0;
  try {
    value = std::stoul(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || used == 0 || value < 1 || value > 100000)
    throw usage_error("--parallel: expected a whole number from 1 to 100000, got '" + text + "'");
  return static_cast<unsigned>(value);
}

namespace {

// The live progress line is redrawn at most this often.
constexpr std::chrono::milliseconds kRedrawEvery{200};

// Connects the signal watcher with the engine, which exists only once the plugins are loaded.
class BatchInterrupter {
 public:
  explicit BatchInterrupter(Console& console)
      : console_(console),
        watcher_([this](int signal) { on_signal(signal); },
                 "stopctl: interrupted again: exiting without waiting for the batch to wind "
                 "down\n",
                 batch_exit_code::interrupted) {}

  bool interrupted() const { return watcher_.received() != 0; }

  void attach(core::BatchEngine& engine) {
    std::lock_guard lock(mutex_);
    engine_ = &engine;
    if (interrupted()) engine_->cancel();
  }
  void detach() {
    std::lock_guard lock(mutex_);
    engine_ = nullptr;
  }

 private:
  void on_signal(int signal) {
    console_.err(std::string("stopctl: ") + signal_display_name(signal) +
                 " received: cancelling the batch (send it again to exit at once)");
    std::lock_guard lock(mutex_);
    if (engine_) engine_->cancel();
  }

  Console& console_;
  std::mutex mutex_;
  core::BatchEngine* engine_ = nullptr;
  SignalWatcher watcher_;  // last: stopped before the members its callback uses
};

int exit_code_for(const core::BatchResult& result) {
  if (result.summary.cancelled) return batch_exit_code::interrupted;
  const std::size_t not_succeeded = result.summary.not_succeeded();
  return static_cast<int>(
      std::min<std::size_t>(not_succeeded, static_cast<std::size_t>(batch_exit_code::most_failed)));
}

}  // namespace

CliError as_batch_error(const CliError& error) {
  if (error.exit_code() > batch_exit_code::most_failed) return error;  // batch's own already
  switch (error.exit_code()) {
    case core::exit_code::usage:
      return CliError(batch_exit_code::usage, error.code(), error.what());
    case core::exit_code::config:
      return CliError(batch_exit_code::config, error.code(), error.what());
    case core::exit_code::cancelled:
      return CliError(batch_exit_code::interrupted, error.code(), error.what());
    case batch_exit_code::invalid_plan:
      return error;
    default:
      return CliError(batch_exit_code::internal, error.code(), error.what());
  }
}

int run_batch(const GlobalOptions& global, const BatchArguments& args, Console& console) {
  if (!global.local) return run_batch_in_daemon(global, args, console);
  // The command line before anything is read or loaded: a usage error costs nothing.
  std::optional<unsigned> parallel;
  if (args.parallel) parallel = parse_parallel(*args.parallel);
  std::optional<core::FailurePolicy> policy;
  if (args.fail_fast) policy = core::FailurePolicy::fail_fast();
  if (args.max_failures) policy = parse_max_failures(*args.max_failures);
  std::vector<core::BatchItemRecord> previous;
  if (args.resume) {
    try {
      std::istringstream in(
          core::read_file_bounded(*args.resume, core::limits::kMaxReportFileBytes));
      previous = core::read_batch_report(in, *args.resume);
    } catch (const core::FileReadError& e) {
      throw config_error(std::string("--resume: ") + e.what());
    } catch (const std::invalid_argument& e) {
      throw config_error(std::string("--resume: ") + e.what());
    }
  }

  const std::string source = args.plan == "-" ? "<stdin>" : args.plan;
  core::BatchPlan plan;
  try {
    plan = core::parse_batch_plan(read_plan(args.plan), source);
  } catch (const core::PlanError& e) {
    throw plan_error(source, e.problems());
  }
  if (parallel) plan.concurrency = *parallel;
  if (policy) {
    policy->cancel_running = plan.failure_policy.cancel_running;  // the flags set only the limit
    plan.failure_policy = *policy;
  }

  // Signals are blocked from here on, before the host starts any thread.
  BatchInterrupter interrupter(console);
  LocalCore core = open_local_core(global);
  if (core.host->registry().empty())
    throw config_error("no usable plugin: " + loaded_plugins_note(core) +
                       refused_plugins_note(core.host->load_report()));

  core::ResumedBatch batch;
  try {
    const core::HostBatchCatalog catalog(*core.host);
    batch.items = core::expand_batch_plan(plan, catalog, args.dry_run);
    if (args.resume) batch = core::resume_batch(plan, std::move(batch.items), previous);
  } catch (const core::PlanError& e) {
    throw plan_error(source, e.problems());
  }

  std::ofstream report;
  if (args.report) {
    report.open(*args.report, std::ios::out | std::ios::trunc);
    if (!report)
      throw config_error("--report: cannot write " + *args.report + ": " + std::strerror(errno));
  }
  BatchView view(console, plan, args.report ? &report : nullptr, args.dry_run);
  if (args.dry_run) view.print_order(batch.items, batch.finished);
  view.write_carried(batch.finished);

  core::DispatcherItemRunner runner(core.host->dispatcher());
  core::BatchEngineOptions options;
  options.dry_run = args.dry_run;
  options.finished = std::move(batch.finished);
  options.clock = core.host->dispatcher().clock();
  const bool live = view.live_enabled();
  std::optional<core::BatchResult> result;
  {
    core::BatchEngine engine(plan, std::move(batch.items), runner, &view, std::move(options));
    interrupter.attach(engine);
    struct DetachFirst {
      BatchInterrupter& interrupter;
      ~DetachFirst() { interrupter.detach(); }
    } detach_first{interrupter};
    engine.start();
    if (live) {
      // Only the view is redrawn on a timer; the batch itself moves on completions.
      while (!engine.wait_for(kRedrawEvery)) view.draw_live(engine);
    }
    result = engine.wait();
  }
  view.finish(*result);
  if (!view.report_ok())
    console.err("stopctl: warning: writing the report " + *args.report +
                " failed; it is incomplete");
  return exit_code_for(*result);
}

}  // namespace stopd::cli
