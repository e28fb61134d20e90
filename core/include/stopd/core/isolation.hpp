// Running a provider's plugin in a process of its own (`providers.<type>.isolation: "process"`):
// what the operator configures for that process, and what the host reports about it. The plugin
// is the same shared library either way; see core/src/isolation/ for how it is served.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace stopd::core {

enum class Isolation { in_process, process };

struct PluginHostSettings {
  // Resource limits of the plugin host process (setrlimit before exec); nullopt leaves the
  // daemon's own limit.
  std::optional<std::uint64_t> address_space_bytes;  // RLIMIT_AS
  std::optional<std::uint64_t> open_files;           // RLIMIT_NOFILE
  std::optional<std::uint64_t> cpu_seconds;          // RLIMIT_CPU (then SIGXCPU, later SIGKILL)
  // Credentials to drop to before exec (root only); the group defaults to the user's.
  std::optional<std::string> user;
  std::optional<std::string> group;
  // The process's whole environment: PATH (a default unless named here) and these, nothing else
  // of the daemon's (sanitizer runtime options excepted: they configure the runtime, not the
  // plugin).
  std::map<std::string, std::string> environment;
  // Names whose values are copied from stopd's own environment when it has them (a secret a
  // plugin's settings refer to as {"env": NAME} belongs here, not in `environment`).
  std::vector<std::string> inherit_environment;
  // A stop still running this long after its deadline means the plugin is stuck: the process is
  // killed and restarted, and its other stops are retried.
  std::chrono::milliseconds kill_after_deadline{std::chrono::seconds(10)};
  // A stop in flight when the process died this many times ends `internal`, quarantined.
  unsigned quarantine_after_crashes = 2;
  // Restarts after a crash: immediate when the process had served (a stop completed) or run for
  // kRestartStableAfter; otherwise initial·2^(n-1), capped at max, ±20 % jitter.
  std::chrono::milliseconds restart_backoff_initial{100};
  std::chrono::milliseconds restart_backoff_max{std::chrono::seconds(30)};
};

struct ProviderIsolation {
  Isolation mode = Isolation::in_process;
  PluginHostSettings plugin_host;
};

// What `plugins list`, ListProviders, health and the metrics show about an isolated provider.
struct PluginHostStatus {
  enum class State { running, restarting, failed };
  State state = State::running;
  unsigned restarts = 0;
  std::string last_exit;  // "SIGSEGV", "exit 1", "killed: hung …"; empty before the first
  int pid = 0;            // 0 while no process runs
  std::map<std::string, unsigned> restarts_by_reason;  // "SIGSEGV", "exit 1", "hung", …
};

// The supervised plugin host behind an isolated provider.
class SupervisedPlugin {
 public:
  virtual ~SupervisedPlugin() = default;
  virtual PluginHostStatus status() const = 0;
  // Ends the process, bounded (stopd is shutting down); its stops are dropped.
  virtual void shut_down() = 0;
};

constexpr const char* to_string(PluginHostStatus::State state) {
  switch (state) {
    case PluginHostStatus::State::running:
      return "running";
    case PluginHostStatus::State::restarting:
      return "restarting";
    case PluginHostStatus::State::failed:
      return "failed";
  }
  return "unknown";
}

// <directory of the running executable>/../lib/stopd/stopd-plugin-host, where the build tree and
// an installation both put it.
std::filesystem::path default_plugin_host_executable();

}  // namespace stopd::core
