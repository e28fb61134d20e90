// `stopctl batch PLAN`, written once over the backend: the command line and the plan checked
// here (a mistake costs no plugin load and no round trip), the batch readied and run by the
// backend (--local: expanded and run by the engine over the dispatcher in this process; the
// daemon: submitted, journaled and run there, and followed), each item and the summary shown,
// and the report written, alike in both modes.
#include "stopd/cli/batch_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "stopd/batch/batch_report.hpp"
#include "stopd/cli/backend.hpp"
#include "stopd/cli/batch_view.hpp"
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

// --resume's report: the records of an earlier run.
std::vector<core::BatchItemRecord> read_resume_report(const std::string& path) {
  try {
    std::istringstream in(core::read_file_bounded(path, core::limits::kMaxReportFileBytes));
    return core::read_batch_report(in, path);
  } catch (const core::FileReadError& e) {
    throw config_error(std::string("--resume: ") + e.what());
  } catch (const std::invalid_argument& e) {
    throw config_error(std::string("--resume: ") + e.what());
  }
}

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
  const std::unique_ptr<Backend> backend = make_backend(global, console);
  if (args.resume && backend->keeps_jobs())
    throw usage_error(
        "--resume works with --local; the daemon resumes its own batches after a restart "
        "('stopctl batch' again with the same plan re-runs it in the daemon)");
  // The command line before anything is read or loaded: a usage error costs nothing.
  BatchOrder order;
  if (args.parallel) order.parallel = parse_parallel(*args.parallel);
  std::optional<core::FailurePolicy> policy;
  order.fail_fast = args.fail_fast;
  if (args.fail_fast) policy = core::FailurePolicy::fail_fast();
  if (args.max_failures) {
    policy = parse_max_failures(*args.max_failures);
    order.max_failures = args.max_failures;
  }
  order.dry_run = args.dry_run;
  if (args.resume) order.resume = read_resume_report(*args.resume);

  order.source = args.plan == "-" ? "<stdin>" : args.plan;
  order.text = read_plan(args.plan);
  try {
    order.plan = core::parse_batch_plan(order.text, order.source);
  } catch (const core::PlanError& e) {
    throw plan_error(order.source, e.problems());
  }
  if (order.parallel) order.plan.concurrency = *order.parallel;
  if (policy) {
    // The flags set only the limit.
    policy->cancel_running = order.plan.failure_policy.cancel_running;
    order.plan.failure_policy = *policy;
  }

  const std::unique_ptr<PreparedBatch> batch = backend->prepare_batch(order);
  std::ofstream report;
  if (args.report) {
    report.open(*args.report, std::ios::out | std::ios::trunc);
    if (!report)
      throw config_error("--report: cannot write " + *args.report + ": " + std::strerror(errno));
  }
  BatchView view(console, order.plan, args.report ? &report : nullptr, args.dry_run);
  const std::optional<core::BatchResult> result = batch->run(view);
  if (!result) return batch_exit_code::interrupted;  // stopped following it, as it said
  view.finish(*result);
  if (!view.report_ok())
    console.err("stopctl: warning: writing the report " + *args.report +
                " failed; it is incomplete");
  return exit_code_for(*result);
}

}  // namespace stopd::cli
