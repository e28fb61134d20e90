// `stopctl batch PLAN`: run a batch plan (core/schemas/plan.schema.json) with the batch engine:
// in the daemon (BatchService; journaled, resumed after a restart) or, with --local, in this
// process.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "stopd/batch/batch_plan.hpp"
#include "stopd/cli/cli_error.hpp"
#include "stopd/cli/console.hpp"
#include "stopd/cli/options.hpp"

namespace CLI {
class App;
}

namespace stopd::cli {

struct BatchArguments {
  std::string plan;  // the plan file, JSON or YAML; "-" reads stdin
  std::optional<std::string> parallel;
  bool dry_run = false;
  bool fail_fast = false;
  std::optional<std::string> max_failures;  // "N" or "N%"
  std::optional<std::string> report;        // JSON lines, one per item, then a summary
  std::optional<std::string> resume;        // an earlier report
};

// batch's exit codes. Failed counts take 1–100, so the errors every other command reports as
// 2, 3, 17 or 18 get codes of their own here: no code means two things.
namespace batch_exit_code {
inline constexpr int ok = 0;              // every item stopped or already_stopped
inline constexpr int most_failed = 100;   // 1–100: items that failed or were skipped (capped)
inline constexpr int invalid_plan = 101;  // nothing ran: syntax, schema, type, target, needs…
inline constexpr int usage = 102;         // bad command line
inline constexpr int config = 103;        // bad --config, unreadable --resume report, unwritable
                                          // --report, no usable plugin
inline constexpr int interrupted = 104;  // Ctrl-C/SIGTERM: running items cancelled, report complete
inline constexpr int internal = 105;     // a bug in stopctl or a plugin
inline constexpr int daemon = 106;       // the daemon refused the batch (auth, shutting down) or
                                         // could not be reached
}  // namespace batch_exit_code

// Adds the `batch` subcommand and its options to `app`.
CLI::App* add_batch_command(CLI::App& app, BatchArguments& args);

int run_batch(const GlobalOptions& global, const BatchArguments& args, Console& console);

// The plan's text ("-": stdin), the invalid_plan error listing every problem (the backends'
// too), and the flags' parsers (usage errors).
std::string read_plan(const std::string& path);
CliError plan_error(const std::string& source, const std::vector<std::string>& problems);
unsigned parse_parallel(const std::string& text);
core::FailurePolicy parse_max_failures(const std::string& text);

// An error of another kind (usage, config, internal) as batch reports it: its own exit code.
CliError as_batch_error(const CliError& error);

}  // namespace stopd::cli
