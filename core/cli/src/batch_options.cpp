// `stopctl batch`'s command line.
#include <CLI/CLI.hpp>

#include "stopd/cli/batch_command.hpp"
#include "stopd/cli/help_text.hpp"

namespace stopd::cli {

CLI::App* add_batch_command(CLI::App& app, BatchArguments& args) {
  CLI::App* batch = app.add_subcommand("batch", batch_description());
  batch->add_option("PLAN", args.plan, "The plan: a JSON or YAML file ('-': standard input)")
      ->required();
  const auto optional = [&](const std::string& name, std::optional<std::string>& target,
                            const std::string& type, const std::string& help) {
    return batch
        ->add_option_function<std::string>(
            name, [&target](const std::string& value) { target = value; }, help)
        ->type_name(type);
  };
  optional("--parallel", args.parallel, "N",
           "Items running at once across the batch (overrides the plan's\n"
           "concurrency; default 16). Each provider's own limit applies too");
  batch->add_flag("--dry-run", args.dry_run,
                  "Change nothing: expand the selectors, validate every target, and\n"
                  "show the waves and what each item would do (providers inspect)");
  CLI::Option* fail_fast =
      batch->add_flag("--fail-fast", args.fail_fast,
                      "Halt on the first failed item: what has not started is skipped");
  optional("--max-failures", args.max_failures, "N|N%",
           "Halt once more than N items (or N % of all items) failed;\n"
           "overrides the plan's failure_policy")
      ->excludes(fail_fast);
  optional("--report", args.report, "FILE",
           "Write JSON lines to FILE as items finish: one per item (step,\n"
           "item, type, target, code, message, forced, started, finished,\n"
           "attempts, skipped), then a summary line");
  optional("--resume", args.resume, "REPORT",
           "Run again only what did not end stopped/already_stopped in an\n"
           "earlier report; its successes are carried into the new report");
  batch->footer(batch_footer());
  return batch;
}

}  // namespace stopd::cli
