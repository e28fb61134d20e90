// What the command line asked for, once CLI11 has parsed it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "stopd/cli/render.hpp"

namespace stopd::cli {

// How to reach the daemon (every command without --local). Resolved into a channel, credentials
// and a token by DaemonClient.
struct ConnectionOptions {
  std::optional<std::string> socket;   // --socket PATH (else $STOPD_SOCKET, else the default)
  std::optional<std::string> address;  // --address HOST:PORT (TCP; TLS unless --insecure)
  std::optional<std::string> tls_ca;   // --tls-ca FILE
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
  std::optional<std::string> tls_server_name;
  bool insecure = false;
  std::optional<std::string> token;       // --token TOKEN (else --token-file, else $STOPD_TOKEN)
  std::optional<std::string> token_file;  // --token-file FILE
  std::optional<std::string> timeout;     // --timeout SECONDS, as written
};

// Options of `stopctl` itself, accepted before or after the subcommand.
struct GlobalOptions {
  bool local = false;
  std::optional<std::string> config_file;
  std::optional<std::string> log_level;
  OutputFormat output = OutputFormat::human;
  ConnectionOptions connection;
};

struct StopArguments {
  std::string type;
  std::vector<std::string> target;    // KEY=VALUE / KEY:=JSON
  std::vector<std::string> selector;  // --selector KEY=VALUE: every match instead of one target
  std::optional<std::string> grace;
  bool immediate = false;
  std::optional<std::string> deadline;
  std::vector<std::string> options;  // KEY=VALUE / KEY:=JSON
  bool dry_run = false;
  bool wait = false;  // implied with --local and --dry-run
  std::optional<std::string> request_id;
};

struct DescribeArguments {
  std::string name;
};

struct ValidateArguments {
  std::string file;  // the plugin library to check
};

struct JobsListArguments {
  std::vector<std::string> states;  // pending, running, finished
  std::optional<std::string> type;
  std::optional<std::string> since;  // a duration back from now, or a timestamp
  std::optional<std::string> until;  // the same spellings
  std::optional<std::string> limit;  // as written; checked by the command
};

struct JobArguments {
  std::string id;
};

struct SchedulesNextArguments {
  std::string name;               // NAME: a schedule of the daemon (instead of --cron)
  std::string cron;               // --cron: five fields or a macro
  std::optional<std::string> tz;  // --tz: an IANA zone; none: UTC
  std::optional<std::string> count;
  std::optional<std::string> after;  // --after: from then instead of now (as --since reads it)
};

// `stopctl schedules list|show|create|delete|pause|resume|run-now` (the daemon's schedules).
struct SchedulesArguments {
  std::string name;  // NAME
  // create
  std::string cron;
  std::optional<std::string> tz;
  std::string plan;  // --plan FILE ("-": stdin)
  std::optional<std::string> overlap;
  std::optional<std::string> catch_up;
  std::optional<std::string> jitter;
  std::optional<std::string> history_succeeded;
  std::optional<std::string> history_failed;
  bool paused = false;
  bool dry_run = false;
};

}  // namespace stopd::cli
