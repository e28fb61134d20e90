// The daemon `stopd`, in-process: the journal, the host, the job manager and the gRPC server
// (StopService, health, reflection) on a unix socket and optionally TCP + TLS. Its main only
// parses the command line, blocks the termination signals and runs one of these; tests may run
// one in-process the same way.
//
// Start:    open the journal, load the plugins, resume the unfinished jobs, then serve.
// Shutdown: health NOT_SERVING, refuse new RPCs (UNAVAILABLE), let the jobs in flight finish up
//           to the drain timeout, end the waits and watch streams, stop the server. Jobs still
//           unfinished stay journaled as they are; the next start resumes them.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "stopd/core/exit_codes.hpp"
#include "stopd/daemon_config/daemon_config.hpp"

namespace stopd::core {

// Why the daemon could not start, and the exit code its main returns for it: exit_code::config
// when the config names something unusable (a socket directory that does not exist, unreadable
// TLS files, no usable plugin), 1 for the machine's state (a live daemon on the socket, a locked
// journal, a port in use).
class StartupError : public std::runtime_error {
 public:
  StartupError(int exit_code, const std::string& message)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const noexcept { return exit_code_; }

 private:
  int exit_code_;
};

struct DaemonOptions {
  // Where plugins are looked for when the config names no plugin_dirs.
  std::filesystem::path default_plugin_dir;  // empty: core::default_plugin_dir()
};

class Daemon {
 public:
  // Starts everything and returns once the server accepts RPCs (health SERVING).
  // Throws StartupError; nothing is left running or bound then.
  explicit Daemon(DaemonConfig config, DaemonOptions options = {});
  ~Daemon();  // shutdown() unless done already
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Drains (config.drain_timeout) and stops serving; returns how many jobs were left unfinished
  // in the journal. Idempotent and thread-safe: a second call waits for the first and returns
  // the same count.
  std::size_t shutdown();

  // What follows the drain in shutdown(): plugins' last 2 s to return from cancelled stops, the
  // server's short shutdown, closing the plugins and the journal.
  static constexpr std::chrono::seconds kShutdownMargin{10};
  // The longest shutdown() may take: config.drain_timeout + kShutdownMargin. Past it, code stopd
  // does not own has not returned (a plugin's list() or stop(), deaf to cancellation, holding a
  // scheduled run's submit or an RPC), and stopd's main exits with exit_code::shutdown_stuck
  // rather than wait for it: everything acknowledged is in the journal already.
  std::chrono::milliseconds shutdown_bound() const;
  // What shutdown() is doing now ("draining the jobs in flight", …), for that exit's log line.
  // Thread-safe.
  std::string shutdown_stage() const;

  // How many unfinished jobs the start resumed from the journal.
  std::size_t resumed() const;
  const std::filesystem::path& unix_socket() const;
  // The TCP port actually bound (the config may ask for port 0); nullopt without TCP.
  std::optional<int> tcp_port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread, so every thread started afterwards
// inherits the mask and only wait_for_termination_signal() sees them; ignores SIGPIPE. Call it
// first thing in main, before anything starts a thread.
void block_termination_signals();

// Waits for SIGTERM or SIGINT (SIGHUP is logged and ignored) up to `timeout` (nullopt: forever);
// the signal number, or nullopt on timeout.
std::optional<int> wait_for_termination_signal(
    std::optional<std::chrono::milliseconds> timeout = std::nullopt);

}  // namespace stopd::core
