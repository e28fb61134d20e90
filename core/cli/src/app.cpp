#include "stopd/cli/app.hpp"

#include <CLI/CLI.hpp>
#include <sstream>
#include <string_view>

#include "stopd/cli/cli_error.hpp"
#include "stopd/cli/console.hpp"
#include "stopd/cli/help_text.hpp"
#include "stopd/cli/options.hpp"
#include "stopd/cli/plugins_command.hpp"
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
  std::string config_file;
  std::string log_level;
  std::string output = "human";
  StopArguments stop;
  std::string grace;
  std::string deadline;
  DescribeArguments describe;
};

struct Commands {
  CLI::App app{
      "stopctl: stop processes, containers, cloud jobs… through stopd's plugins, with one "
      "set of semantics\n(graceful then forced, already-stopped is success, stable exit "
      "codes).",
      "stopctl"};
  CLI::App* stop = nullptr;
  CLI::App* plugins = nullptr;
  CLI::App* plugins_list = nullptr;
  CLI::App* plugins_describe = nullptr;
  CLI::Option* config = nullptr;
  CLI::Option* log_level = nullptr;
  CLI::Option* grace = nullptr;
  CLI::Option* deadline = nullptr;
};

void define(Commands& c, Parsed& p) {
  CLI::App& app = c.app;
  app.set_version_flag("--version", std::string("stopctl ") + STOPD_VERSION,
                       "Print stopctl's version and exit");
  app.get_formatter()->column_width(30);
  // Subcommands inherit these, so global options may also follow the subcommand
  // (`stopctl stop … -o json`), and each needs exactly one subcommand.
  app.fallthrough();
  app.require_subcommand(1);

  app.add_flag("--local", p.global.local,
               "Run the core in this process: load the plugins here and stop\n"
               "directly (the daemon client is not available yet, so this is\n"
               "required)");
  c.config = app.add_option("--config", p.config_file,
                            "JSON config: plugin_dirs, plugins (extra .so files), per-provider\n"
                            "settings and limits, dispatcher timing, log_level. The same\n"
                            "file the daemon reads. Default: no file (plugins from\n"
                            "<dir of stopctl>/../lib/stopd/plugins)")
                 ->type_name("FILE");
  c.log_level = app.add_option("--log-level", p.log_level,
                               "Log level of the core and plugins on stderr (default: the\n"
                               "config's log_level, else warn)")
                    ->type_name("LEVEL")
                    ->check(CLI::IsMember(
                        std::vector<std::string>(std::begin(kLogLevels), std::end(kLogLevels))));
  app.add_option("-o,--output", p.output,
                 "Output format: human (default) or json (one JSON object on stdout,\n"
                 "also for errors)")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"human", "json"}));

  c.stop = app.add_subcommand("stop", stop_description());
  c.stop
      ->add_option("TYPE", p.stop.type,
                   "Resource type, e.g. local.process ('plugins list' shows them)")
      ->required();
  c.stop->add_option("TARGET", p.stop.target,
                     "KEY=VALUE pairs naming the resource, typed by the target schema\n"
                     "(pid=4242 is an integer); KEY:=JSON passes a raw JSON value");
  c.grace = c.stop
                ->add_option("--grace", p.grace,
                             "Seconds to wait after the graceful request before forcing\n"
                             "(fractions allowed: 0.5), or 'unbounded' to wait until the\n"
                             "resource finishes (drain; only where supported). Default: 10")
                ->type_name("SECONDS");
  c.stop->add_flag("--immediate", p.stop.immediate,
                   "Force the stop now (no grace); excludes --grace");
  c.deadline = c.stop
                   ->add_option("--deadline", p.deadline,
                                "Give up after this many seconds (deadline_exceeded, exit 16).\n"
                                "Default: the grace + 30 s (1 h for an unbounded grace)")
                   ->type_name("SECONDS");
  c.stop
      ->add_option("--option", p.stop.options,
                   "Provider option KEY=VALUE (or KEY:=JSON), typed by the options\n"
                   "schema; repeatable. E.g. --option signal=SIGINT for local.process")
      ->type_name("KEY=VALUE");
  c.stop->add_flag("--dry-run", p.stop.dry_run,
                   "Change nothing: validate the request and say what a stop would\n"
                   "do (providers that can inspect look at the resource)");
  c.stop->footer(stop_footer());

  c.plugins = app.add_subcommand(
      "plugins", "Show the plugins (resource types) this stopctl can use, and why any was refused");
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
  c.plugins->footer(plugins_footer());
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
  console.err(std::string("stopctl: ") +
              (error.exit_code() == core::exit_code::usage    ? "usage error: "
               : error.exit_code() == core::exit_code::config ? "config error: "
                                                              : "error: ") +
              error.what());
  if (!help_hint.empty()) console.err(help_hint);
}

int dispatch(const Commands& c, Parsed& p, Console& console) {
  if (c.config->count() > 0) p.global.config_file = p.config_file;
  if (c.log_level->count() > 0) p.global.log_level = p.log_level;
  if (c.grace->count() > 0) p.stop.grace = p.grace;
  if (c.deadline->count() > 0) p.stop.deadline = p.deadline;
  if (c.stop->parsed()) return run_stop(p.global, p.stop, console);
  if (c.plugins_list->parsed()) return run_plugins_list(p.global, console);
  if (c.plugins_describe->parsed()) return run_plugins_describe(p.global, p.describe, console);
  throw usage_error("no command given");  // require_subcommand makes this unreachable
}

}  // namespace

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  Console console(out, err, json_requested(argc, argv) ? OutputFormat::json : OutputFormat::human);
  std::string hint = "Run 'stopctl --help' for usage.";
  try {
    Commands commands;
    Parsed parsed;
    define(commands, parsed);
    try {
      commands.app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      hint = "Run '" + command_path(commands.app) + " --help' for usage.";
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
    hint = "Run '" + command_path(commands.app) + " --help' for usage.";
    return dispatch(commands, parsed, console);
  } catch (const CliError& e) {
    report_error(console, e, e.exit_code() == core::exit_code::usage ? hint : std::string());
    return e.exit_code();
  } catch (const std::exception& e) {
    report_error(console,
                 outcome_error(sdk::Code::internal,
                               std::string("unexpected failure (a bug in stopctl): ") + e.what()),
                 {});
    return core::exit_code::internal;
  } catch (...) {
    report_error(console,
                 outcome_error(sdk::Code::internal, "unexpected failure (a bug in stopctl)"), {});
    return core::exit_code::internal;
  }
}

}  // namespace stopd::cli
