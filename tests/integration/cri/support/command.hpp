// Running the tools the CRI test harness drives (containerd, ctr, ip) as child processes: the
// signal mask reset (the test's threads may block signals), output captured or sent to a file,
// and a child that dies with the test process rather than outliving a crashed test.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace stopd::cri_test {

struct CommandResult {
  int exit_code = -1;  // -1: killed at the timeout, or died by a signal
  std::string output;  // stdout and stderr together
};

// Runs argv[0] (searched in PATH) to completion; SIGKILL after `timeout`.
CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

// Starts argv[0] in the background with stdout and stderr appended to `log`; it gets SIGKILL
// if this process dies. Throws std::runtime_error if it cannot be started.
pid_t start_background(const std::vector<std::string>& argv, const std::filesystem::path& log);

// Waits up to `timeout` for our child `pid` to exit and reaps it; false on timeout.
bool wait_child(pid_t pid, std::chrono::milliseconds timeout);

// The program's path if it is in PATH (or absolute and executable), else "".
std::string find_program(const std::string& name);

}  // namespace stopd::cri_test
