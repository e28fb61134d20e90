// Starting and ending one plugin host process: fork and exec with the operator's limits,
// credentials and environment, a pidfd to notice its death at once, and its exit as words.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "stopd/core/isolation.hpp"

namespace stopd::core {

struct PluginProcessSpec {
  std::filesystem::path executable;
  std::vector<std::string> arguments;  // after argv[0]
  PluginHostSettings settings;
  int socket_fd = -1;  // becomes the child's fd 3
  int stdout_fd = -1;  // the child's stdout; -1: its stderr (never the daemon's stdout)
  int stdin_fd = -1;   // the child's stdin; -1: /dev/null
};

// A running child: its pid and a pidfd that polls readable once it has exited. Destroying it
// kills (SIGKILL) and reaps the process if wait() was not called.
class PluginProcess {
 public:
  // Throws ConfigError when the settings cannot apply (the user does not exist, stopd is not
  // root), std::runtime_error when the process could not be started (exec failed, …).
  explicit PluginProcess(const PluginProcessSpec& spec);
  ~PluginProcess();
  PluginProcess(const PluginProcess&) = delete;
  PluginProcess& operator=(const PluginProcess&) = delete;

  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_; }

  bool exited_within(std::chrono::milliseconds timeout) const;  // polls the pidfd
  void kill() const;                                            // SIGKILL; harmless once exited
  // Reaps it (blocks until it exits) and says how it ended: "SIGSEGV", "exit 1", "exit 0".
  std::string wait();

 private:
  pid_t pid_ = -1;
  int pidfd_ = -1;
  bool reaped_ = false;
};

// A plugin host run for one answer (--describe, --validate): what it wrote on stdout and how it
// ended ("exit 0", "SIGSEGV", "did not finish within 30 s").
struct PluginHostAnswer {
  std::string output;
  std::string ended;
};

// Starts `spec` (its stdin and stdout are set here) with `input` on its stdin, and reads its
// stdout, keeping at most `max_output` bytes, until it exits; kills it once `timeout` passed.
PluginHostAnswer run_for_answer(PluginProcessSpec spec, std::string_view input,
                                std::chrono::seconds timeout, std::size_t max_output);

// "SIGSEGV" for 11, "signal 99" for a number without a name.
std::string signal_name(int signal);

}  // namespace stopd::core
