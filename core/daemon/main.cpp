// stopd: the daemon's command line. Everything it runs is in stopd_api (core/api) and the
// core; this file parses arguments, loads the config and waits for SIGTERM/SIGINT.
#include <malloc.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "default_config.hpp"
#include "stopd/api/daemon.hpp"
#include "stopd/auth/auth.hpp"
#include "stopd/build_info/build_info.hpp"
#include "stopd/core/bounded_read.hpp"
#include "stopd/core/exit_codes.hpp"
#include "stopd/core/host.hpp"
#include "stopd/core/logging.hpp"
#include "stopd/daemon_config/daemon_config.hpp"

namespace {

namespace fs = std::filesystem;
namespace core = stopd::core;

constexpr const char* kDescription =
    "stopd: the stop controller's daemon. Serves stopd.v1.StopService (gRPC) on a unix socket "
    "and optionally TCP + TLS, journals every job before acknowledging it, and resumes unfinished "
    "jobs after a restart. SIGTERM or SIGINT drains (in-flight jobs get up to "
    "drain_timeout_seconds) and exits 0; a second signal exits at once.";

constexpr const char* kFooter = R"(Examples:
  stopd --config /etc/stopd/stopd.json
  stopd --state-dir /tmp/stopd          # the built-in local config; socket and journal in /tmp/stopd
  stopd --config stopd.json --check-config
  printf %s "$TOKEN" | stopd --hash-token   # the sha256 to put in auth.tokens[].sha256

Exit codes: 0 stopped cleanly (or a check passed), 1 could not start (socket in use, journal
locked…), 2 bad command line, 3 invalid config, 4 a plugin called exit() while stopd served,
5 the shutdown outlasted drain_timeout_seconds + 10 s (a plugin did not return), 128+N a
second SIGTERM/SIGINT (N) ended the drain early.)";

struct Arguments {
  std::optional<fs::path> config;
  std::optional<fs::path> state_dir;
  std::optional<std::string> log_level;
  bool check_config = false;
  bool hash_token = false;
  bool print_default_config = false;
  bool version = false;
};

int fail(int code, const std::string& message) {
  std::cerr << "stopd: " << message << '\n';
  return code;
}

// The config the arguments name. --state-dir makes relative paths resolve against that directory
// instead of the config file's; with no --config it runs the built-in local config.
core::DaemonConfig load_config(const Arguments& args) {
  if (args.config && !args.state_dir) return core::load_daemon_config(*args.config);
  const fs::path base = fs::absolute(*args.state_dir);
  const std::string origin =
      args.config ? args.config->string() : std::string("the built-in default config");
  const nlohmann::json document =
      args.config ? core::read_config_document(*args.config)
                  : core::parse_config_text(stopd::daemon::kDefaultConfigJson, origin);
  try {
    core::DaemonConfig config = core::parse_daemon_config(document, base);
    config.source = origin;
    return config;
  } catch (const core::ConfigError& e) {
    throw core::ConfigError(origin + ": " + e.what());
  }
}

int hash_token() {
  // A token is short; stdin may be a terminal, a file or /dev/zero.
  constexpr std::size_t kMaxTokenBytes = 64 * 1024;
  std::string token;
  try {
    token = core::read_fd_bounded(STDIN_FILENO, "--hash-token: stdin", kMaxTokenBytes);
  } catch (const core::FileReadError& e) {
    return fail(core::exit_code::usage, e.what());
  }
  if (token.ends_with('\n')) token.pop_back();
  if (token.ends_with('\r')) token.pop_back();
  if (token.empty())
    return fail(core::exit_code::usage, "--hash-token: expected the token on stdin, got nothing");
  std::cout << core::sha256_hex(token) << '\n';
  return 0;
}

const char* signal_name(int signal) {
  return signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "a signal";
}

// Set once stopd itself decides to exit. An exit() while it is unset came from code stopd loaded
// (a plugin's stop() calling exit(1), say): on_foreign_exit() then reports it and exits with
// exit_code::plugin_exit instead of whatever the plugin chose.
std::atomic<bool> g_exit_is_ours{false};

extern "C" void on_foreign_exit() {
  if (g_exit_is_ours.load()) return;
  const auto logger = core::host_logger();
  logger->critical(
      "exit() was called by code stopd loaded (a plugin), not by stopd: exiting {}; unfinished "
      "jobs stay in the journal",
      core::exit_code::plugin_exit);
  logger->flush();
  std::_Exit(core::exit_code::plugin_exit);
}

// Serves until SIGTERM/SIGINT, then drains. A second signal during the drain exits at once.
int serve(core::DaemonConfig config) {
  core::host_logger()->info("stopd {} (commit {}) starting (pid {})", STOPD_VERSION,
                            stopd::build_commit(), ::getpid());
  std::optional<core::Daemon> daemon;
  try {
    daemon.emplace(std::move(config));
  } catch (const core::StartupError& e) {
    return fail(e.exit_code(), e.what());
  } catch (const core::ConfigError& e) {
    return fail(core::exit_code::config, e.what());
  } catch (const std::exception& e) {
    return fail(1, std::string("cannot start: ") + e.what());
  }
  // Registered after the plugins were loaded, so it runs before anything they registered.
  std::atexit(on_foreign_exit);
  const int first = core::wait_for_termination_signal().value_or(SIGTERM);
  core::host_logger()->info("{}: draining, then exiting", signal_name(first));

  std::atomic<bool> done{false};
  std::thread shutdown([&] {
    daemon->shutdown();
    done.store(true);
  });
  // Every wait of the shutdown has its own bound, except on code stopd does not own: a plugin's
  // list() that never returns holds a scheduled run's submit or an RPC. This bound covers the
  // whole of it instead; past it, what is acknowledged is in the journal already.
  const auto began = std::chrono::steady_clock::now();
  const auto bound = daemon->shutdown_bound();
  while (!done.load()) {
    if (auto second = core::wait_for_termination_signal(std::chrono::milliseconds(100))) {
      core::host_logger()->warn("second {}: exiting now; unfinished jobs stay in the journal",
                                signal_name(*second));
      core::host_logger()->flush();
      std::_Exit(128 + *second);
    }
    if (!done.load() && std::chrono::steady_clock::now() - began > bound) {
      core::host_logger()->error(
          "the shutdown outlasted its bound ({} ms: drain_timeout_seconds + {} s) while {}: code "
          "stopd does not own (a plugin) has not returned; exiting {} without it; unfinished "
          "jobs stay in the journal",
          bound.count(), core::Daemon::kShutdownMargin.count(), daemon->shutdown_stage(),
          core::exit_code::shutdown_stuck);
      core::host_logger()->flush();
      std::_Exit(core::exit_code::shutdown_stuck);
    }
  }
  shutdown.join();
  g_exit_is_ours.store(true);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Before anything starts a thread: every thread inherits the blocked signals, and only the
  // main thread's sigwait sees SIGTERM and SIGINT.
  core::block_termination_signals();
#ifdef STOPD_SYSTEM_ALLOCATOR
  // Built with glibc's malloc (-DSTOPD_ALLOCATOR=system; by default stopd links tcmalloc):
  // every gRPC handler thread allocates both its call's short-lived buffers and the jobs that
  // stay in flight for hours; with glibc's default of eight arenas per core, each of those
  // threads gets an arena of its own and the long-lived jobs pin partly used memory in all of
  // them. Four arenas kept 10,000 jobs in flight at 1.9 KiB each instead of 2.0-2.1 KiB, with no
  // loss of throughput at 64 concurrent Stops (tests/bench/daemon_memory_bench.cpp,
  // rpc_roundtrip_bench.cpp). MALLOC_ARENA_MAX in the environment still decides.
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) ::mallopt(M_ARENA_MAX, 4);
#endif

  Arguments args;
  CLI::App app(kDescription, "stopd");
  app.footer(kFooter);
  app.add_option("--config", args.config, "The JSON config file (see examples/config/)")
      ->type_name("FILE");
  app.add_option("--state-dir", args.state_dir,
                 "Resolve the config's relative paths (socket, journal) against DIR, created if "
                 "missing; without --config, run the built-in local config there")
      ->type_name("DIR");
  app.add_option("--log-level", args.log_level,
                 "trace|debug|info|warn|error|off (default: the config's log_level)")
      ->type_name("LEVEL");
  app.add_flag("--check-config", args.check_config,
               "Validate the config and exit: 0 if valid, 3 with the reason if not");
  app.add_flag("--hash-token", args.hash_token,
               "Read a token on stdin and print its SHA-256 (hex) for auth.tokens[].sha256");
  app.add_flag("--print-default-config", args.print_default_config,
               "Print the built-in local config and exit");
  app.add_flag("--version", args.version, "Print the version and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    app.exit(e);
    return core::exit_code::usage;
  }

  if (args.version) {
    std::cout << stopd::version_text("stopd");
    return 0;
  }
  if (args.hash_token) return hash_token();
  if (args.print_default_config) {
    std::cout << stopd::daemon::kDefaultConfigJson;
    return 0;
  }
  if (!args.config && !args.state_dir)
    return fail(core::exit_code::usage,
                "--config FILE is required (or --state-dir DIR to run the built-in local config; "
                "see --help)");
  if (args.log_level) {
    try {
      core::set_log_level(*args.log_level);
    } catch (const std::invalid_argument& e) {
      return fail(core::exit_code::usage, std::string("--log-level: ") + e.what());
    }
  }

  // The state directory is the daemon's own: created (for its owner only) before the config that
  // points into it is checked. --check-config changes nothing.
  if (args.state_dir && !args.check_config) {
    std::error_code error;
    if (fs::create_directories(*args.state_dir, error))
      fs::permissions(*args.state_dir, fs::perms::owner_all, error);
    if (error)
      return fail(
          1, "--state-dir: cannot create " + args.state_dir->string() + ": " + error.message());
  }

  core::DaemonConfig config;
  try {
    config = load_config(args);
    if (!args.log_level) core::set_log_level(config.host.log_level);
  } catch (const std::exception& e) {
    return fail(core::exit_code::config, e.what());
  }
  if (args.check_config) {
    // The plugins too, as the daemon would load them: settings a plugin refuses make the config
    // invalid, and a plugin that cannot be loaded at all is worth a warning.
    try {
      const core::Host host(config.host, core::default_plugin_dir());
      for (const auto& refused : host.load_report().refused)
        if (!refused.settings)
          std::cerr << "stopd: warning: plugin " << refused.file.string()
                    << " is refused: " << refused.reason << '\n';
      for (const auto& warning : host.load_report().warnings)
        std::cerr << "stopd: warning: " << warning << '\n';
    } catch (const core::ConfigError& e) {
      return fail(core::exit_code::config, e.what());
    }
    std::cout << "stopd: "
              << (args.config ? args.config->string() : std::string("the built-in config"))
              << ": valid\n";
    return 0;
  }
  return serve(std::move(config));
}
