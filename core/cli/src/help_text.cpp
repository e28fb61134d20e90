#include "stopd/cli/help_text.hpp"

#include <cstdio>

#include "stopd/core/exit_codes.hpp"

namespace stopd::cli {
namespace {

using sdk::Code;

std::string row(int code, const std::string& meaning) {
  char number[16];
  std::snprintf(number, sizeof number, "%4d", code);
  return std::string(number) + "  " + meaning + "\n";
}

std::string outcome_row(Code code, const std::string& meaning) {
  return row(core::exit_code_for(code), std::string(sdk::to_string(code)) + meaning);
}

}  // namespace

std::string exit_code_table() {
  std::string table = "Exit codes (stable; scripts may rely on them):\n";
  table += row(core::exit_code::ok,
               "stopped or already_stopped: it is not running now (also: a\n"
               "      command that is not a stop succeeded, a job was accepted)");
  table += row(core::exit_code::usage, "usage_error: bad command line");
  table += row(core::exit_code::config,
               "config_error: unreadable or invalid --config, --token-file or\n"
               "      --tls-* file, or no usable plugin");
  table += outcome_row(Code::not_found, ": no such resource, or no such job");
  table += outcome_row(Code::invalid_argument,
                       ": unknown TYPE or plugin, bad or missing KEY=VALUE, bad --option");
  table += outcome_row(Code::unauthenticated,
                       ": the backend rejected the credentials, or stopd the token");
  table += outcome_row(Code::permission_denied, ": not allowed to stop it (the token's scopes)");
  table += outcome_row(Code::failed_precondition, ": its state forbids the stop");
  table += outcome_row(Code::unavailable,
                       ": backend unavailable (retried until the deadline), or stopd\n"
                       "      cannot be reached (not running?) or is shutting down");
  table += outcome_row(Code::deadline_exceeded,
                       ": not confirmed stopped by the deadline, or stopd did not\n"
                       "      answer within --timeout");
  table += outcome_row(Code::cancelled,
                       ": cancelled (Ctrl-C or SIGTERM while it ran); or stopctl stopped\n"
                       "      waiting on Ctrl-C and the job keeps running in stopd");
  table += outcome_row(Code::internal, ": a bug in a plugin, the backend or stopd");
  return table;
}

std::string main_footer() {
  return "Examples:\n"
         "  stopctl stop local.process pid=4242 --grace 5 --wait\n"
         "  stopctl jobs list --state running\n"
         "  stopctl jobs watch j-01jd3q8m2r5v7x9zb4c6e8g0hk\n"
         "  stopctl --address stopd.example:7443 --tls-ca ca.pem --token-file ops.token plugins "
         "list\n"
         "  stopctl --local stop local.process pid=4242 --grace 5\n"
         "  stopctl --local --config stopd.json plugins list\n"
         "\n"
         "Without --local, every command talks to the stopd daemon: over its unix socket\n"
         "(--socket, $STOPD_SOCKET, default /run/stopd/stopd.sock) or over TCP with TLS\n"
         "(--address). A token, if the daemon asks for one: --token-file, $STOPD_TOKEN or\n"
         "--token. With --local, stopctl loads the plugins and stops in this process (no daemon,\n"
         "no jobs). Global options may also follow the command.\n"
         "Run 'stopctl COMMAND --help' for a command's options.\n"
         "\n" +
         exit_code_table();
}

std::string stop_description() {
  return "Stop one resource (a process, a container, a cloud job…) and report the outcome";
}

std::string global_options_note() {
  return "Global options (see 'stopctl --help') may also follow the command: --local,\n"
         "--config FILE, --log-level LEVEL, -o json, and the daemon connection: --socket,\n"
         "--address, --tls-*, --insecure, --token, --token-file, --timeout.\n";
}

std::string stop_footer() {
  return "Stops one resource of type TYPE, named by KEY=VALUE pairs (typed by the plugin's target\n"
         "schema: 'stopctl plugins describe TYPE' shows the keys). Graceful by default: ask the\n"
         "resource to stop, wait at most the grace (default 10 s), then force it.\n"
         "\n"
         "Through the daemon (the default), the stop becomes a job. Without --wait, stopctl\n"
         "prints the accepted job (its id and state) and exits 0 once the daemon has recorded\n"
         "it; 'stopctl jobs watch ID' follows it. With --wait, it follows the job and prints its\n"
         "outcome exactly as --local does, exiting with the outcome's code. Ctrl-C then only\n"
         "stops the waiting: the job keeps running in the daemon (exit 17, its id printed).\n"
         "\n"
         "With --local, the stop runs in this process and is always waited for; Ctrl-C or\n"
         "SIGTERM cancels the stop (exit 17); a second one exits at once.\n"
         "\n"
         "--selector KEY=VALUE (repeatable, all must match) stops every resource of TYPE the\n"
         "plugin lists for it, instead of one TARGET (the two cannot be combined). KEY is a key\n"
         "of the plugin's selector schema ('stopctl plugins describe TYPE'), typed by it:\n"
         "state=running, namespace=shop, pod_name=web-0 for cri.*, comm=nginx or pgid=42 for\n"
         "local.process. labels.KEY=VALUE, or any other KEY=VALUE when the plugin selects by\n"
         "labels, is a label: app=web. Through the daemon (ListTargets) only the matches your\n"
         "token may stop are listed. One result per match is printed (under -o json one object:\n"
         "type, selector, matched, hidden, results, exit_code); the exit code is the highest of\n"
         "theirs; no match at all is not an error (exit 0).\n"
         "\n" +
         global_options_note() +
         "\n"
         "Examples:\n"
         "  stopctl stop local.process pid=4242 --grace 5 --wait\n"
         "  stopctl stop local.process pid=4242 --immediate -o json\n"
         "  stopctl stop local.process pidfile=/run/nginx.pid --dry-run\n"
         "  stopctl stop local.process pgid=4242 --option signal=SIGINT --request-id nightly-42\n"
         "  stopctl --local stop local.process pid=4242 --grace 5\n"
         "  stopctl --local stop local.process pid=4242 start_time:=1234567 --deadline 30\n"
         "  stopctl stop cri.container --selector app=web --grace 30 --wait\n"
         "  stopctl stop cri.pod_sandbox --selector namespace=batch --immediate --wait -o json\n"
         "\n"
         "With -o json, stdout gets exactly one JSON object. A finished stop (--local, --wait,\n"
         "--dry-run): the outcome (code, message, forced, details, duration_ms, attempts,\n"
         "dry_run, stop_id, started, finished, type, target) plus, through the daemon, the job's\n"
         "fields (id, state, requester, request_id, created, deadline, force_at, resumed, mode,\n"
         "grace_seconds, options). An accepted job (no --wait): the same shape, its outcome null\n"
         "until it finishes. An error that prevented the stop: {\"code\", \"message\",\n"
         "\"exit_code\"}.\n"
         "\n" +
         exit_code_table();
}

std::string jobs_footer() {
  return "Every stop the daemon accepts is a job, journaled before it is acknowledged and kept\n"
         "after it finished (for the retention the daemon's config sets).\n"
         "\n" +
         global_options_note() +
         "\n"
         "Examples:\n"
         "  stopctl jobs list --state running --type local.process\n"
         "  stopctl jobs show j-01jd3q8m2r5v7x9zb4c6e8g0hk -o json\n"
         "  stopctl jobs watch j-01jd3q8m2r5v7x9zb4c6e8g0hk\n"
         "  stopctl jobs cancel j-01jd3q8m2r5v7x9zb4c6e8g0hk\n";
}

std::string jobs_list_footer() {
  return "Lists jobs newest first: ID, STATE, TYPE, TARGET, OUTCOME (with '(forced)' when the\n"
         "grace ran out) and AGE. Filters combine; --state may be repeated.\n"
         "\n" +
         global_options_note() +
         "\n"
         "Examples:\n"
         "  stopctl jobs list\n"
         "  stopctl jobs list --state pending --state running\n"
         "  stopctl jobs list --type local.process --since 2h --limit 20\n"
         "  stopctl jobs list --since 2026-11-22T05:00:00Z -o json\n"
         "\n"
         "With -o json: {\"jobs\": [job, …], \"more\": true when --limit cut the list}.\n"
         "Exit codes: 0 listed (also when none match); 2 bad command line; 12, 13, 15, 16 as\n"
         "in 'stopctl --help'.\n";
}

std::string jobs_show_footer() {
  return "Shows one job: its request (type, target, options, mode and grace), who asked, when it\n"
         "was created, started and finished, its deadline, attempts, whether a restarted daemon\n"
         "resumed it, the stop it rides on, and its outcome.\n"
         "\n" +
         global_options_note() +
         "\n"
         "Examples:\n"
         "  stopctl jobs show j-01jd3q8m2r5v7x9zb4c6e8g0hk\n"
         "  stopctl jobs show j-01jd3q8m2r5v7x9zb4c6e8g0hk -o json\n"
         "\n"
         "Exit codes: 0 shown (whatever the job's outcome); 10 (not_found) no such job;\n"
         "12, 13, 15, 16 as in 'stopctl --help'.\n";
}

std::string jobs_watch_footer() {
  return "Follows a job until it finishes. On a terminal, one live line shows its state, the\n"
         "provider's phase, the time elapsed and the provider's progress facts; the outcome\n"
         "stays when it ends. Otherwise every event (snapshot, queued, started, progress,\n"
         "retry_scheduled, joined, escalated, finished) is printed as one line, or with -o json\n"
         "as one JSON object {\"at\", \"kind\", \"phase\", \"facts\", \"job\"}. Exits with the\n"
         "outcome's code. Ctrl-C stops watching (exit 17); the job keeps running.\n"
         "\n" +
         global_options_note() +
         "\n"
         "Examples:\n"
         "  stopctl jobs watch j-01jd3q8m2r5v7x9zb4c6e8g0hk\n"
         "  stopctl jobs watch j-01jd3q8m2r5v7x9zb4c6e8g0hk -o json | jq -c '[.kind, .phase]'\n"
         "  stopctl jobs watch j-01jd3q8m2r5v7x9zb4c6e8g0hk --timeout 60\n"
         "\n" +
         exit_code_table();
}

std::string jobs_cancel_footer() {
  return "Withdraws a job's request: it finishes as cancelled, and its stop is cancelled unless\n"
         "another job waits for the same resource. A graceful request already sent is not taken\n"
         "back (the process may still exit), but nothing more is done: no force after the grace.\n"
         "A job that has finished already stays as it ended.\n"
         "\n" +
         global_options_note() +
         "\n"
         "Examples:\n"
         "  stopctl jobs cancel j-01jd3q8m2r5v7x9zb4c6e8g0hk\n"
         "  stopctl jobs cancel j-01jd3q8m2r5v7x9zb4c6e8g0hk -o json\n"
         "\n"
         "Exit codes: 0 withdrawn (or finished already: the message says so); 10 (not_found)\n"
         "no such job; 12, 13, 15, 16 as in 'stopctl --help'.\n";
}

std::string plugins_footer() {
  return global_options_note() +
         "\n"
         "Examples:\n"
         "  stopctl plugins list\n"
         "  stopctl plugins describe local.process\n"
         "  stopctl --local plugins list\n"
         "  stopctl --local --config stopd.json plugins describe example.marker_file -o json\n"
         "  stopctl plugins validate ./libacme_thing.so --config stopd.json\n";
}

std::string plugins_list_footer() {
  return "Lists every provider the daemon loaded (or, with --local, this stopctl: from the\n"
         "plugin directories, default <directory of stopctl>/../lib/stopd/plugins, and the\n"
         "config's \"plugins\"), and every plugin file that was refused, with the reason.\n"
         "\n" +
         global_options_note() +
         "\n"
         "Examples:\n"
         "  stopctl plugins list\n"
         "  stopctl plugins list -o json\n"
         "  stopctl --local plugins list\n"
         "  stopctl --local --config stopd.json plugins list -o json\n"
         "\n"
         "Exit codes: 0 listed; 2 bad command line; 3 unreadable or invalid config (--local);\n"
         "12, 13, 15, 16 as in 'stopctl --help'.\n";
}

std::string plugins_describe_footer() {
  return "Shows a provider's version, description, library, capabilities, concurrency limit,\n"
         "its target, options and selector schemas, and example command lines.\n"
         "\n" +
         global_options_note() +
         "\n"
         "Examples:\n"
         "  stopctl plugins describe local.process\n"
         "  stopctl plugins describe local.process -o json\n"
         "  stopctl --local plugins describe local.process\n"
         "\n"
         "Exit codes: 0 described; 2 bad command line; 3 unreadable or invalid config (--local);\n"
         "11 (invalid_argument) no provider of that name is loaded; 12, 13, 15, 16 as in\n"
         "'stopctl --help'.\n";
}

std::string plugins_validate_footer() {
  return "Checks a plugin library the way stopd loads it, without stopd and without a plugin\n"
         "directory: for plugin authors' CI, and for operators before they install a .so. The\n"
         "library is loaded in a stopd-plugin-host child process, so one that crashes in its\n"
         "static initialisers or constructor is reported (with the signal), not fatal. Reports:\n"
         "  - the descriptor: name, version, description, ABI, toolchain, compiler;\n"
         "  - the ABI and toolchain verdicts, the plugin's side and this stopctl's;\n"
         "  - the settings (--config FILE: the stopd config, its providers.<type>.settings;\n"
         "    without it, empty settings) against the plugin's config schema, and whether its\n"
         "    constructor accepts them;\n"
         "  - each published schema (config, target, options, selector), naming the JSON path\n"
         "    of a problem: 'target_schema: invalid JSON Schema: /properties/id/pattern: …';\n"
         "  - whether the capabilities agree with the schemas (e.g. list without a selector\n"
         "    schema).\n"
         "\n"
         "Examples:\n"
         "  stopctl plugins validate build/libacme_thing.so\n"
         "  stopctl plugins validate /opt/acme/libacme_thing.so --config /etc/stopd/stopd.json\n"
         "  stopctl plugins validate libacme_thing.so -o json\n"
         "\n"
         "Exit codes: 0 every check passed; 2 bad command line; 3 a check failed, the plugin\n"
         "crashed the checking process, FILE cannot be read, or the config is unreadable or\n"
         "invalid; 18 (internal) stopd-plugin-host could not be started.\n";
}

std::string batch_description() {
  return "Run a batch plan: stop many things in order (waves, then needs), with a\n"
         "concurrency limit, a failure policy, a report and resume (in the daemon, or --local)";
}

std::string batch_footer() {
  return "The plan (JSON or YAML; schema: core/schemas/plan.schema.json, examples in\n"
         "examples/plans/):\n"
         "  waves: [drain, stop]               # optional; else numeric waves (wave: 1)\n"
         "  defaults: {mode: graceful, grace: 10, deadline: 60, options: {},\n"
         "             retries: {max_attempts: 3}}\n"
         "  concurrency: 16                    # items at once (--parallel overrides)\n"
         "  deadline: 900                      # the whole batch, seconds\n"
         "  failure_policy: continue           # | halt | {max_failures: 3 | \"10%\",\n"
         "                                     #          cancel_running: false}\n"
         "  steps:\n"
         "    - name: web                      # items are web#0, web#1…\n"
         "      type: local.process\n"
         "      target: {pidfile: /run/nginx.pid}   # or selector: {comm: nginx}\n"
         "      wave: drain\n"
         "      needs: [queue]                 # runs only once queue succeeded\n"
         "      grace: 30                      # also: mode, deadline, options, retries,\n"
         "                                     # concurrency (of this step)\n"
         "\n"
         "A step runs once every step of the earlier waves has finished and what it needs\n"
         "succeeded; if a step it needs failed, it is skipped with the reason. A target that\n"
         "two steps name is stopped once; both get its result. Halting (--fail-fast,\n"
         "--max-failures, the plan's failure_policy) skips what has not started and lets\n"
         "running items finish (unless cancel_running). Ctrl-C cancels the batch: running\n"
         "items are cancelled and the report is completed. The whole plan is checked (syntax\n"
         "with line and column, schema, types, every target, needs cycles) before anything\n"
         "runs. Output: one line per finished item and a summary; on a terminal, a live line\n"
         "with the counts and the items running longest (--local); -o json: one document\n"
         "{items, summary}.\n"
         "\n"
         "Without --local the daemon runs the batch: it is journaled (every item a job) and\n"
         "goes on after a restart of the daemon without stopping any item twice; stopctl\n"
         "follows it. Ctrl-C then only stops following (the batch id is printed); --resume\n"
         "needs --local.\n"
         "\n" +
         global_options_note() +
         "\n"
         "Examples:\n"
         "  stopctl batch examples/plans/nightly-shutdown.yaml --dry-run\n"
         "  stopctl batch plan.yaml --parallel 64 --report run.jsonl\n"
         "  stopctl --local batch examples/plans/nightly-shutdown.yaml --dry-run\n"
         "  stopctl --local batch plan.yaml --parallel 64 --max-failures 5% --report run.jsonl\n"
         "  stopctl --local batch plan.yaml --resume run.jsonl --report rerun.jsonl\n"
         "  stopctl --local batch plan.json --fail-fast -o json\n"
         "\n"
         "Exit codes of batch (failed counts need 1-100, so its errors have codes of their\n"
         "own):\n"
         "     0  every item ended stopped or already_stopped\n"
         "  1-100 the number of items that failed or were skipped (100: 100 or more)\n"
         "   101  invalid plan (nothing ran): syntax, schema, unknown type, bad target or\n"
         "        selector, needs cycle or dangling need, negative grace…\n"
         "   102  bad command line\n"
         "   103  unreadable or invalid --config, unreadable --resume report, unwritable\n"
         "        --report, or no usable plugin\n"
         "   104  interrupted (Ctrl-C, SIGTERM): with --local, running items cancelled and\n"
         "        the report complete; through the daemon, the batch goes on there\n"
         "   105  internal error (a bug in stopctl or a plugin)\n"
         "   106  the daemon refused the batch (token, scope, shutting down) or could not\n"
         "        be reached\n";
}

}  // namespace stopd::cli
