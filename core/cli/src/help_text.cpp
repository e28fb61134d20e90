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
  table += row(core::exit_code::ok, "stopped or already_stopped: it is not running now");
  table += row(core::exit_code::usage, "usage_error: bad command line (also: no --local)");
  table += row(core::exit_code::config,
               "config_error: unreadable or invalid --config file, or no usable plugin");
  table += outcome_row(Code::not_found, ": no such resource");
  table += outcome_row(Code::invalid_argument,
                       ": unknown TYPE or plugin, bad or missing KEY=VALUE, bad --option");
  table += outcome_row(Code::unauthenticated, ": the backend rejected the credentials");
  table += outcome_row(Code::permission_denied, ": not allowed to stop it");
  table += outcome_row(Code::failed_precondition, ": its state forbids the stop");
  table += outcome_row(Code::unavailable, ": backend unavailable (retried until the deadline)");
  table += outcome_row(Code::deadline_exceeded, ": not confirmed stopped by the deadline");
  table += outcome_row(Code::cancelled, ": cancelled (Ctrl-C or SIGTERM while it ran)");
  table += outcome_row(Code::internal, ": a bug in a plugin, the backend or stopd");
  return table;
}

std::string main_footer() {
  return "Examples:\n"
         "  stopctl --local stop local.process pid=4242 --grace 5\n"
         "  stopctl --local stop local.process pgid=4242 --immediate -o json\n"
         "  stopctl --local --config stopd.json plugins list\n"
         "  stopctl --local plugins describe local.process\n"
         "\n"
         "Without --local, stopctl would talk to the stopd daemon; that arrives with the daemon,\n"
         "so for now every command needs --local. Global options may also follow the command.\n"
         "Run 'stopctl COMMAND --help' for a command's options.\n"
         "\n" +
         exit_code_table();
}

std::string stop_description() {
  return "Stop one resource (a process, a container, a cloud job…) and report the outcome";
}

std::string global_options_note() {
  return "Global options (see 'stopctl --help') may also follow the command: --local,\n"
         "--config FILE, --log-level LEVEL, -o json.\n";
}

std::string stop_footer() {
  return "Stops one resource of type TYPE, named by KEY=VALUE pairs (typed by the plugin's target\n"
         "schema: 'stopctl --local plugins describe TYPE' shows the keys). Graceful by default:\n"
         "ask the resource to stop, wait at most the grace (default 10 s), then force it.\n"
         "Prints one line with the outcome (or one JSON object with -o json) and exits with the\n"
         "outcome's exit code. Ctrl-C or SIGTERM cancels the stop (exit 17); a second one exits\n"
         "at once.\n"
         "\n" +
         global_options_note() +
         "\n"
         "Examples:\n"
         "  stopctl --local stop local.process pid=4242 --grace 5\n"
         "  stopctl --local stop local.process pid=4242 --immediate\n"
         "  stopctl --local stop local.process pidfile=/run/nginx.pid --dry-run\n"
         "  stopctl --local stop local.process pgid=4242 --option signal=SIGINT -o json\n"
         "  stopctl --local stop local.process pid=4242 start_time:=1234567 --deadline 30\n"
         "\n"
         "With -o json, stdout gets exactly one JSON object: the outcome (code, message, forced,\n"
         "details, duration_ms, attempts, dry_run, stop_id, started, finished, type, target) or,\n"
         "for an error that prevented the stop, {\"code\", \"message\", \"exit_code\"}.\n"
         "\n" +
         exit_code_table();
}

std::string plugins_footer() {
  return global_options_note() +
         "\n"
         "Examples:\n"
         "  stopctl --local plugins list\n"
         "  stopctl --local --config stopd.json plugins describe example.marker_file -o json\n";
}

std::string plugins_list_footer() {
  return "Lists every provider loaded from the plugin directories (default: <directory of\n"
         "stopctl>/../lib/stopd/plugins) and from the config's \"plugins\", and every plugin\n"
         "file that was refused, with the reason.\n"
         "\n" +
         global_options_note() +
         "\n"
         "Examples:\n"
         "  stopctl --local plugins list\n"
         "  stopctl --local --config stopd.json plugins list -o json\n"
         "\n"
         "Exit codes: 0 listed; 2 bad command line; 3 unreadable or invalid config.\n";
}

std::string plugins_describe_footer() {
  return "Shows a provider's version, description, library, capabilities, concurrency limit,\n"
         "its target, options and selector schemas, and example command lines.\n"
         "\n" +
         global_options_note() +
         "\n"
         "Examples:\n"
         "  stopctl --local plugins describe local.process\n"
         "  stopctl --local plugins describe local.process -o json\n"
         "\n"
         "Exit codes: 0 described; 2 bad command line; 3 unreadable or invalid config;\n"
         "11 (invalid_argument) no provider of that name is loaded.\n";
}

}  // namespace stopd::cli
