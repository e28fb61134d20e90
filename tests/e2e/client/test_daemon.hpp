// The real `stopd` for stopctl's end-to-end tests: a config written into a temporary directory
// (socket and journal there, plugins from the build), the daemon started and waited for, killed
// when the object goes (also when the test failed half-way, and with the test process if that
// dies: PR_SET_PDEATHSIG).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../stopctl_runner.hpp"

namespace stopd::e2e {

// STOPD_PATH: $<TARGET_FILE:stopd>.
const char* stopd_path();

class TestDaemon {
 public:
  // Writes `dir`/stopd.json: the defaults below, with `overrides`' top-level keys replacing
  // theirs; starts stopd on it and waits until its socket accepts connections. Throws
  // std::runtime_error (with the daemon's log) when it does not come up.
  //   {"plugin_dirs": [<the build's>], "listen": {"unix_socket": "<dir>/stopd.sock"},
  //    "journal": {"file": "<dir>/journal.db"}, "drain_timeout_seconds": 1}
  explicit TestDaemon(const TempDir& dir,
                      const nlohmann::json& overrides = nlohmann::json::object());
  ~TestDaemon();  // SIGKILL and reap
  TestDaemon(const TestDaemon&) = delete;
  TestDaemon& operator=(const TestDaemon&) = delete;

  const std::string& socket() const { return socket_; }
  std::string log() const;  // its stdout and stderr so far

  // `stopctl --socket <socket> ARGS…`.
  StopctlResult stopctl(std::vector<std::string> args,
                        std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;
  // The same argument list, for StopctlProcess.
  std::vector<std::string> args(std::vector<std::string> rest) const;

  // SIGKILL and reap; safe to repeat.
  void kill();

 private:
  std::string socket_;
  std::filesystem::path log_;
  pid_t pid_ = -1;
};

// `jobs show ID -o json` until the job has finished (or `timeout`: a test failure); the job.
nlohmann::json wait_finished(const TestDaemon& daemon, const std::string& id,
                             std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace stopd::e2e
