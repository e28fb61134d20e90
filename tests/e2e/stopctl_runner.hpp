// Runs the real, built stopctl the way a user or a script does: a separate process with its own
// stdout, stderr and exit code, started with a pristine signal state.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace stopd::e2e {

using namespace std::chrono_literals;

// STOPCTL_PATH: $<TARGET_FILE:stopctl>.
const char* stopctl_path();

struct StopctlResult {
  std::vector<std::string> args;
  int exit_code = -1;   // -1 if it did not exit normally
  int term_signal = 0;  // the signal that killed it, if one did
  bool timed_out = false;
  std::string out;
  std::string err;
  std::chrono::milliseconds elapsed{0};

  // stdout parsed as exactly one JSON document; a test failure (and null) if it is not.
  nlohmann::json json() const;
};

// Whether `text` (what stopctl printed) holds `part`.
inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The target argument naming a process: pid=N.
inline std::string pid_arg(pid_t pid) {
  return "pid=" + std::to_string(pid);
}

// For assertion messages: the command line, exit code, stdout and stderr.
std::ostream& operator<<(std::ostream& os, const StopctlResult& result);

// A stopctl process in flight, for tests that signal it while it runs.
class StopctlProcess {
 public:
  explicit StopctlProcess(std::vector<std::string> args);
  ~StopctlProcess();  // SIGKILL and reap if still running
  StopctlProcess(const StopctlProcess&) = delete;
  StopctlProcess& operator=(const StopctlProcess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int signal);
  // Waits up to `timeout` until this stopctl (after its exec) holds a pidfd on `target`, which
  // local.process opens when a stop of `target` begins: the moment to interrupt it. False on
  // timeout.
  bool wait_until_stopping(pid_t target, std::chrono::milliseconds timeout = 30s);
  // Collects its output until it exits (SIGKILL after `timeout`, then timed_out is set).
  StopctlResult finish(std::chrono::milliseconds timeout = 60s);

 private:
  std::vector<std::string> args_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::chrono::steady_clock::time_point started_;
  bool reaped_ = false;
};

// Runs `stopctl ARGS…` to completion. Every run is also checked (non-fatally) for what must never
// happen whatever the input: death by a signal, a hang, a C++ terminate, a sanitizer report.
StopctlResult run_stopctl(std::vector<std::string> args, std::chrono::milliseconds timeout = 60s);

// A fresh directory, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes `content` to `name` inside the directory; returns its path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

// The directory of the loader's test plugins (tests/plugins): broken plugins to be refused.
std::filesystem::path test_plugin_dir();

}  // namespace stopd::e2e
