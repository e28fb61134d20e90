#include "stopd/cli/app.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <sstream>
#include <string_view>

#include "stopd/build_info/build_info.hpp"
#include "stopd/cli/batch_command.hpp"
#include "stopd/cli/cli_error.hpp"
#include "stopd/cli/console.hpp"
#include "stopd/cli/help_text.hpp"
#include "stopd/cli/jobs_command.hpp"
#include "stopd/cli/options.hpp"
#include "stopd/cli/plugins_command.hpp"
#include "stopd/cli/plugins_validate.hpp"
#include "stopd/cli/schedules_command.hpp"
#include "stopd/cli/stop_command.hpp"

#ifndef STOPD_VERSION
#define STOPD_VERSION "unknown"
#endif

namespace stopd::cli {
namespace {

constexpr std::string_view kLogLevels[] = {"trace", "debug", "info", "warn", "error", "off"};

// Whether the command line asks for JSON, looked at before (and whether or not) CLI11 can parse
// it, so that even a usage error reaches a script as JSON.
bool json_requested(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") break;
    if ((arg == "-o" || arg == "--output") && i + 1 < argc &&
        std::string_view(argv[i + 1]) == "json")
      return true;
    if (arg == "-ojson" || arg == "--output=json" || arg == "-o=json") return true;
  }
  return false;
}

// The command line, parsed into these.
struct Parsed {
  GlobalOptions global;
  std::string output = "human";
  StopArguments stop;
  DescribeArguments describe;
  ValidateArguments validate;
  JobsListArguments jobs_list;
  JobArguments job;
  BatchArguments batch;
  SchedulesNextArguments schedules_next;
  SchedulesArguments schedules;
};

struct Commands {
  CLI::App app{
      "stopctl: stop processes, containers, cloud jobs… through stopd's plugins, with one "
      "set of semantics\n(graceful then forced, already-stopped is success, stable exit "
      "codes). Talks to the stopd daemon;\n--local runs the plugins in this process instead.",
      "stopctl"};
  CLI::App* stop = nullptr;
  CLI::App* jobs = nullptr;
  CLI::App* jobs_list = nullptr;
  CLI::App* jobs_show = nullptr;
  CLI::App* jobs_watch = nullptr;
  CLI::App* jobs_cancel = nullptr;
  CLI::App* plugins = nullptr;
  CLI::App* plugins_list = nullptr;
  CLI::App* plugins_describe = nullptr;
  CLI::App* plugins_validate = nullptr;
  CLI::App* batch = nullptr;
  CLI::App* schedules = nullptr;
  CLI::App* schedules_next = nullptr;
  // list, show, create, delete, pause, resume, run-now: the daemon's schedules
  std::vector<CLI::App*> schedules_daemon;
  // Options whose presence matters (std::optional targets): copied after parsing.
  std::vector<std::function<void()>> apply;
  // The connection options given, by name, for the --local check.
  std::vector<CLI::Option*> connection;
};

// An option with a value that is "absent" unless given: CLI11 fills `raw`, and `target` gets it
// after parsing only if the option appeared.
CLI::Option* optional_option(Commands& c, CLI::App& app, const std::string& name,
                             std::optional<std::string>& target, const std::string& help) {
  auto raw = std::make_shared<std::string>();
  CLI::Option* option = app.add_option(name, *raw, help);
  c.apply.push_back([option, raw, &target] {
    if (option->count() > 0) target = *raw;
  });
  return option;
}

void define_schedules(Commands& c, Parsed& p) {
  c.schedules = c.app.add_subcommand(
      "schedules",
      "Scheduled stops: the daemon's schedules (a name, a cron calendar in a time zone, a batch "
      "plan), and previews of when a calendar fires (not with --local, but 'next --cron')");
  c.schedules->require_subcommand(1);
  c.schedules_next = c.schedules->add_subcommand(
      "next",
      "The next instants a schedule (NAME, from the daemon) or a cron expression (--cron,\n"
      "needs no daemon) fires, in its time zone and in this machine's local time");
  c.schedules_next->add_option("NAME", p.schedules_next.name, "A schedule of the daemon");
  c.schedules_next
      ->add_option("--cron", p.schedules_next.cron,
                   "Five fields (minute hour day-of-month month day-of-week) or\na macro: "
                   "@yearly @monthly @weekly @daily @hourly")
      ->type_name("EXPR");
  optional_option(c, *c.schedules_next, "--tz", p.schedules_next.tz,
                  "An IANA time zone (Europe/Berlin, America/New_York); default UTC")
      ->type_name("ZONE");
  optional_option(c, *c.schedules_next, "--count", p.schedules_next.count,
                  "How many instants (default 5, at most 1000)")
      ->type_name("N");
  optional_option(c, *c.schedules_next, "--after", p.schedules_next.after,
                  "Count from this moment instead of now: an RFC 3339 time\n"
                  "(2026-10-24T12:00:00Z) or a duration back from now (2h)")
      ->type_name("WHEN");

  SchedulesArguments& a = p.schedules;
  const auto with_name = [&](const char* name, const char* description) {
    CLI::App* command = c.schedules->add_subcommand(name, description);
    command->add_option("NAME", a.name, "The schedule's name ('schedules list' shows them)")
        ->required();
    c.schedules_daemon.push_back(command);
    return command;
  };
  c.schedules_daemon.push_back(c.schedules->add_subcommand(
      "list", "List the daemon's schedules: origin (config file or API), state, next run"));
  with_name("show",
            "One schedule: its calendar, plan, policies, counts and its last runs (batch, due "
            "instant, result)");
  CLI::App* create = with_name(
      "create",
      "Create a schedule in the daemon (kept in its journal: it outlives restarts). Each run\n"
      "is a batch of the plan, request_id schedule/NAME/<unix seconds of its instant>");
  CLI::App* update = with_name(
      "update",
      "Change a schedule created over the API: what you give replaces that part, the rest\n"
      "stays as it is; its calendar counts from now (config-file schedules: edit the file).\n"
      "If another client changed the schedule since this command read it, nothing is\n"
      "changed and it exits 14: run it again");
  // create and update take the same definition; create requires the calendar and the plan.
  for (CLI::App* command : {create, update}) {
    const bool creating = command == create;
    command->add_option("--cron", a.cron, "Five fields or a macro (see 'schedules next --help')")
        ->type_name("EXPR")
        ->required(creating);
    optional_option(c, *command, "--tz", a.tz,
                    creating ? "An IANA time zone; default UTC" : "An IANA time zone")
        ->type_name("ZONE");
    command
        ->add_option("--plan", a.plan,
                     "The batch plan (YAML or JSON, as 'stopctl batch' takes; - for\nstdin); "
                     "stored in the daemon, so later edits of FILE do not change it")
        ->type_name("FILE")
        ->required(creating);
    optional_option(c, *command, "--overlap", a.overlap,
                    "A run due while the previous one still runs: forbid (skip it,\n"
                    "the default) or replace (cancel the running one)")
        ->type_name("POLICY")
        ->check(CLI::IsMember({"forbid", "replace"}));
    optional_option(c, *command, "--catch-up", a.catch_up,
                    "Missed runs (stopd down, machine asleep): the latest due within\n"
                    "this many seconds runs once, older ones are counted as missed\n"
                    "(at least 30; default 300)")
        ->type_name("SECONDS");
    optional_option(c, *command, "--jitter", a.jitter,
                    "Delay each run by [0, SECONDS), the same delay for the same\n"
                    "instant on every start (spreads many schedules; default 0)")
        ->type_name("SECONDS");
    optional_option(c, *command, "--history-succeeded", a.history_succeeded,
                    "Finished runs kept in the journal that succeeded (default 3)")
        ->type_name("N");
    optional_option(c, *command, "--history-failed", a.history_failed,
                    "Finished runs kept in the journal that failed (default 1)")
        ->type_name("N");
    command->add_flag("--dry-run", a.dry_run,
                      "Validate only: the calendar, and the plan expanded against the\n"
                      "daemon's loaded providers with your scopes; store nothing");
  }
  create->add_flag("--paused", a.paused, "Create it paused ('schedules resume' starts it)");
  with_name("delete",
            "Delete a schedule created over the API (config-file schedules are removed from "
            "the file); its past runs stay in the journal");
  with_name("pause",
            "Stop firing until resumed (kept in the journal, for config-file schedules too)");
  with_name("resume",
            "Fire again, from the next instant on: what came due while paused is not owed");
  with_name("run-now",
            "Run the schedule's plan now, once, as a batch with request_id "
            "schedule/NAME/now/<unix seconds> (overlap applies)");
  c.schedules->footer(
      "Schedules live in the daemon (the config file's \"schedules\", and those created here,\n"
      "kept in its journal). Config-file schedules may be paused, resumed and run now, not\n"
      "deleted. -o json prints the daemon's answer.");
}

void define_connection(Commands& c, Parsed& p) {
  CLI::App& app = c.app;
  ConnectionOptions& o = p.global.connection;
  const std::string group = "Daemon connection (every command without --local)";
  const auto add = [&](const std::string& name, std::optional<std::string>& target,
                       const std::string& type, const std::string& help) {
    CLI::Option* option = optional_option(c, app, name, target, help);
    option->type_name(type)->group(group);
    c.connection.push_back(option);
  };
  add("--socket", o.socket, "PATH",
      "The daemon's unix socket. Default: $STOPD_SOCKET, else\n/run/stopd/stopd.sock");
  add("--address", o.address, "HOST:PORT",
      "Reach the daemon over TCP instead; TLS unless --insecure");
  add("--tls-ca", o.tls_ca, "FILE",
      "CA certificate(s) (PEM) to verify the daemon's certificate.\nDefault: the system's roots");
  add("--tls-cert", o.tls_cert, "FILE", "Client certificate (PEM), with --tls-key");
  add("--tls-key", o.tls_key, "FILE", "The client certificate's private key (PEM)");
  add("--tls-server-name", o.tls_server_name, "NAME",
      "The name the daemon's certificate must carry, when it is not\nthe HOST of --address");
  CLI::Option* insecure =
      app.add_flag("--insecure", o.insecure,
                   "Plaintext TCP (no TLS) with --address: only on a network you\ntrust")
          ->group(group);
  c.connection.push_back(insecure);
  add("--token", o.token, "TOKEN",
      "Bearer token for the daemon. Visible to other users in the\nprocess list: prefer "
      "--token-file or $STOPD_TOKEN");
  add("--token-file", o.token_file, "FILE",
      "Read the bearer token from FILE (a trailing newline is\nignored). Default: $STOPD_TOKEN, "
      "if set");
  add("--timeout", o.timeout, "SECONDS",
      "Deadline of each call to the daemon (default 30 s); with\n--wait and 'jobs watch', how "
      "long to wait at most (default:\nuntil the job finishes)");
}

void define_stop(Commands& c, Parsed& p) {
  c.stop = c.app.add_subcommand("stop", stop_description());
  c.stop
      ->add_option("TYPE", p.stop.type,
                   "Resource type, e.g. local.process ('plugins list' shows them)")
      ->required();
  c.stop->add_option("TARGET", p.stop.target,
                     "KEY=VALUE pairs naming the resource, typed by the target schema\n"
                     "(pid=4242 is an integer); KEY:=JSON passes a raw JSON value");
  optional_option(c, *c.stop, "--grace", p.stop.grace,
                  "Seconds to wait after the graceful request before forcing\n"
                  "(fractions allowed: 0.5), or 'unbounded' to wait until the\n"
                  "resource finishes (drain; only where supported). Default: 10")
      ->type_name("SECONDS");
  c.stop->add_flag("--immediate", p.stop.immediate,
                   "Force the stop now (no grace); excludes --grace");
  optional_option(c, *c.stop, "--deadline", p.stop.deadline,
                  "Give up after this many seconds (deadline_exceeded, exit 16).\n"
                  "Default: the grace + 30 s (1 h for an unbounded grace)")
      ->type_name("SECONDS");
  c.stop
      ->add_option("--selector", p.stop.selector,
                   "Stop every resource of TYPE that matches KEY=VALUE (repeatable;\n"
                   "all must match) instead of one TARGET: a key of the plugin's\n"
                   "selector schema (state=, namespace=, comm=…), labels.KEY=VALUE, or\n"
                   "any other KEY=VALUE as a label. E.g. --selector app=web")
      ->type_name("KEY=VALUE")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  c.stop
      ->add_option("--option", p.stop.options,
                   "Provider option KEY=VALUE (or KEY:=JSON), typed by the options\n"
                   "schema; repeatable. E.g. --option signal=SIGINT for local.process")
      ->type_name("KEY=VALUE");
  c.stop->add_flag("--dry-run", p.stop.dry_run,
                   "Change nothing: validate the request and say what a stop would\n"
                   "do (providers that can inspect look at the resource); waits for\n"
                   "the answer");
  c.stop->add_flag("--wait", p.stop.wait,
                   "Wait for the job's outcome, print it like --local does and exit\n"
                   "with its code. Without it, stopctl prints the accepted job and\n"
                   "exits 0. Implied with --local");
  optional_option(c, *c.stop, "--request-id", p.stop.request_id,
                  "Idempotency key: a second stop with the same ID returns the\n"
                  "first job instead of a new one (safe retries from scripts)")
      ->type_name("ID");
  c.stop->footer(stop_footer());
}

void define_jobs(Commands& c, Parsed& p) {
  c.jobs = c.app.add_subcommand(
      "jobs", "The daemon's jobs: every accepted stop, its state and outcome (not with --local)");
  c.jobs->require_subcommand(1);
  c.jobs_list = c.jobs->add_subcommand("list", "List jobs, newest first");
  c.jobs_list
      ->add_option("--state", p.jobs_list.states,
                   "Only jobs in this state: pending, running or finished;\nrepeatable")
      ->type_name("STATE");
  optional_option(c, *c.jobs_list, "--type", p.jobs_list.type, "Only jobs of this resource type")
      ->type_name("TYPE");
  optional_option(c, *c.jobs_list, "--since", p.jobs_list.since,
                  "Only jobs created since: a duration back from now (90s, 15m,\n"
                  "2h, 7d, 1h30m) or an RFC 3339 time (2026-11-22T05:00:00Z)")
      ->type_name("WHEN");
  optional_option(c, *c.jobs_list, "--until", p.jobs_list.until,
                  "Only jobs created before: the same spellings as --since\n"
                  "(--since 2h --until 1h: the jobs of the hour before last)")
      ->type_name("WHEN");
  optional_option(c, *c.jobs_list, "--limit", p.jobs_list.limit,
                  "At most N jobs (default 100, at most 100000)")
      ->type_name("N");
  c.jobs_list->footer(jobs_list_footer());

  const auto with_id = [&](const char* name, const char* description, std::string footer) {
    CLI::App* command = c.jobs->add_subcommand(name, description);
    command->add_option("ID", p.job.id, "The job's id (j-…), as 'stop' and 'jobs list' show it")
        ->required();
    command->footer(std::move(footer));
    return command;
  };
  c.jobs_show =
      with_id("show", "Show one job: request, times, attempts, outcome", jobs_show_footer());
  c.jobs_watch = with_id(
      "watch", "Follow a job until it finishes: its state changes and the provider's progress",
      jobs_watch_footer());
  c.jobs_cancel = with_id("cancel",
                          "Withdraw a job's request; its stop is cancelled unless "
                          "another job waits for the same resource",
                          jobs_cancel_footer());
  c.jobs->footer(jobs_footer());
}

void define(Commands& c, Parsed& p) {
  CLI::App& app = c.app;
  std::string version = version_text("stopctl");
  version.pop_back();  // CLI11 ends it with a newline itself
  app.set_version_flag("--version", version,
                       "Print stopctl's version, git commit, SDK ABI and toolchain, and exit");
  app.get_formatter()->column_width(30);
  // Subcommands inherit these, so global options may also follow the subcommand
  // (`stopctl stop … -o json`), and each needs exactly one subcommand.
  app.fallthrough();
  app.require_subcommand(1);

  app.add_flag("--local", p.global.local,
               "Run the core in this process: load the plugins here and stop\n"
               "directly, without the daemon (no jobs, no auth)");
  optional_option(c, app, "--config", p.global.config_file,
                  "With --local: JSON config: plugin_dirs, plugins (extra .so\n"
                  "files), per-provider settings and limits, dispatcher timing,\n"
                  "log_level. The same file the daemon reads. Default: no file\n"
                  "(plugins from <dir of stopctl>/../lib/stopd/plugins)")
      ->type_name("FILE");
  optional_option(c, app, "--log-level", p.global.log_level,
                  "Log level on stderr: of the core and plugins with --local\n"
                  "(default: the config's log_level, else warn); of the gRPC\n"
                  "library otherwise (debug shows its connection log)")
      ->type_name("LEVEL")
      ->check(
          CLI::IsMember(std::vector<std::string>(std::begin(kLogLevels), std::end(kLogLevels))));
  app.add_option("-o,--output", p.output,
                 "Output format: human (default) or json (one JSON object on stdout,\n"
                 "also for errors)")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"human", "json"}));
  define_connection(c, p);

  define_stop(c, p);
  define_jobs(c, p);
  c.batch = add_batch_command(app, p.batch);

  c.plugins = app.add_subcommand(
      "plugins",
      "Show the plugins (resource types) the daemon (or --local) can use, and why any "
      "was refused");
  c.plugins->require_subcommand(1);
  c.plugins_list = c.plugins->add_subcommand(
      "list", "List the loaded providers and the refused plugin files with the reasons");
  c.plugins_list->footer(plugins_list_footer());
  c.plugins_describe = c.plugins->add_subcommand(
      "describe",
      "Describe one provider: version, library, capabilities, schemas, example commands");
  c.plugins_describe->add_option("NAME", p.describe.name, "The provider's resource type")
      ->required();
  c.plugins_describe->footer(plugins_describe_footer());
  c.plugins_validate = c.plugins->add_subcommand(
      "validate", "Check a plugin file (.so) as stopd would load it, in a child process");
  c.plugins_validate->add_option("FILE", p.validate.file, "The plugin library (.so) to check")
      ->required();
  c.plugins_validate->footer(plugins_validate_footer());
  c.plugins->footer(plugins_footer());
  define_schedules(c, p);
  app.footer(main_footer());  // after the subcommands: footers are inherited
}

// "stopctl plugins describe": the deepest subcommand the parser reached.
std::string command_path(const CLI::App& app) {
  std::string path = app.get_name();
  const CLI::App* current = &app;
  while (true) {
    const auto selected = current->get_subcommands();
    if (selected.empty()) break;
    current = selected.front();
    path += " " + current->get_name();
  }
  return path;
}

// CLI11's message, or a clearer one where CLI11's is generic.
std::string parse_error_message(const CLI::App& app, const CLI::ParseError& error) {
  const std::string what = error.what();
  if (what.find("subcommand is required") == std::string::npos) return what;
  const CLI::App* current = &app;
  while (!current->get_subcommands().empty()) current = current->get_subcommands().front();
  std::string names;
  for (const CLI::App* sub : current->get_subcommands({}))
    names += (names.empty() ? "" : " or ") + sub->get_name();
  return "a command is required: " + names;
}

void report_error(Console& console, const CliError& error, const std::string& help_hint) {
  if (console.json()) {
    console.out_json(error_json(error.code(), error.what(), error.exit_code()));
    return;
  }
  // A message may list several problems, one per line (an invalid plan).
  console.err_lines(std::string("stopctl: ") +
                    (error.code() == "usage_error"    ? "usage error: "
                     : error.code() == "config_error" ? "config error: "
                                                      : "error: ") +
                    error.what());
  if (!help_hint.empty()) console.err(help_hint);
}

// Options that belong to the other mode are mistakes worth naming.
void check_mode(const Commands& c, const Parsed& p) {
  if (c.schedules_next->parsed() && p.schedules_next.name.empty()) {
    for (const CLI::Option* option : c.connection)
      if (option->count() > 0)
        throw usage_error(option->get_name() +
                          ": 'schedules next' reads a calendar here and does not talk to the "
                          "daemon. Drop it");
    return;
  }
  // It checks a file with the config's settings: neither the daemon nor --local is involved.
  if (c.plugins_validate->parsed()) {
    for (const CLI::Option* option : c.connection)
      if (option->count() > 0)
        throw usage_error(option->get_name() +
                          ": 'plugins validate' checks a file here and does not talk to the "
                          "daemon. Drop it");
    return;
  }
  if (p.global.local) {
    for (const CLI::Option* option : c.connection)
      if (option->count() > 0)
        throw usage_error(option->get_name() +
                          " is for talking to the daemon; --local runs the plugins in this "
                          "process instead. Drop one of them");
    if (c.schedules->parsed())
      throw usage_error(
          "schedules live in the stopd daemon; --local runs stops in this process and has "
          "none. Drop --local to talk to the daemon (only 'schedules next --cron' needs no "
          "daemon)");
    if (c.jobs->parsed())
      throw usage_error(
          "jobs are kept by the stopd daemon; --local runs stops in this process and keeps "
          "none. Drop --local to talk to the daemon");
    return;
  }
  if (p.global.config_file)
    throw usage_error(
        "--config is read with --local only: the daemon reads its own config (stopd --config "
        "FILE). Add --local to run the plugins in this process, or drop --config");
}

int dispatch(Commands& c, Parsed& p, Console& console) {
  for (const auto& apply : c.apply) apply();
  check_mode(c, p);
  if (c.stop->parsed()) return run_stop(p.global, p.stop, console);
  if (c.jobs_list->parsed()) return run_jobs_list(p.global, p.jobs_list, console);
  if (c.jobs_show->parsed()) return run_jobs_show(p.global, p.job, console);
  if (c.jobs_watch->parsed()) return run_jobs_watch(p.global, p.job, console);
  if (c.jobs_cancel->parsed()) return run_jobs_cancel(p.global, p.job, console);
  if (c.batch->parsed()) return run_batch(p.global, p.batch, console);
  if (c.plugins_list->parsed()) return run_plugins_list(p.global, console);
  if (c.plugins_describe->parsed()) return run_plugins_describe(p.global, p.describe, console);
  if (c.plugins_validate->parsed()) return run_plugins_validate(p.global, p.validate, console);
  if (c.schedules_next->parsed()) return run_schedules_next(p.global, p.schedules_next, console);
  for (const CLI::App* command : c.schedules_daemon)
    if (command->parsed())
      return run_schedules(command->get_name(), p.global, p.schedules, console);
  throw usage_error("no command given");  // require_subcommand makes this unreachable
}

}  // namespace

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  // Terminals only when the streams are the process's own (not a test's string streams).
  const Terminals terminals{&out == &std::cout && isatty(STDOUT_FILENO) == 1,
                            &err == &std::cerr && isatty(STDERR_FILENO) == 1};
  Console console(out, err, json_requested(argc, argv) ? OutputFormat::json : OutputFormat::human,
                  terminals);
  std::string hint = "Run 'stopctl --help' for usage.";
  bool batch = false;  // `stopctl batch` has exit codes of its own
  try {
    Commands commands;
    Parsed parsed;
    define(commands, parsed);
    try {
      commands.app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      hint = "Run '" + command_path(commands.app) + " --help' for usage.";
      batch = command_path(commands.app) == "stopctl batch";
      if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
        // --help or --version: what was asked for, on stdout.
        std::ostringstream help_out;
        std::ostringstream help_err;
        commands.app.exit(e, help_out, help_err);
        out << help_out.str();
        err << help_err.str();
        return core::exit_code::ok;
      }
      throw usage_error(parse_error_message(commands.app, e));
    }
    console.set_format(parsed.output == "json" ? OutputFormat::json : OutputFormat::human);
    parsed.global.output = console.format();
    hint = "Run '" + command_path(commands.app) + " --help' for usage.";
    batch = commands.batch->parsed();
    return dispatch(commands, parsed, console);
  } catch (const CliError& e) {
    const CliError shown = batch ? as_batch_error(e) : e;
    report_error(console, shown, e.exit_code() == core::exit_code::usage ? hint : std::string());
    return shown.exit_code();
  } catch (const std::exception& e) {
    const CliError shown = outcome_error(
        sdk::Code::internal, std::string("unexpected failure (a bug in stopctl): ") + e.what());
    report_error(console, batch ? as_batch_error(shown) : shown, {});
    return batch ? batch_exit_code::internal : core::exit_code::internal;
  } catch (...) {
    const CliError shown =
        outcome_error(sdk::Code::internal, "unexpected failure (a bug in stopctl)");
    report_error(console, batch ? as_batch_error(shown) : shown, {});
    return batch ? batch_exit_code::internal : core::exit_code::internal;
  }
}

}  // namespace stopd::cli
