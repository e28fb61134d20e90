// Spawning stopd_test_child for tests and benchmarks: posix_spawn (cheap even from a big
// sanitizer-instrumented test binary), then wait for the child's ready line so a test never
// signals it before its handlers exist. A ChildProcess kills and reaps what it spawned when it
// goes, also when the test failed half-way. The first spawn makes this process a child subreaper
// (PR_SET_CHILD_SUBREAPER), so orphaned grandchildren come back here to be reaped instead of
// lingering as zombies under init.
#pragma once

#include <spawn.h>
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace stopd::test {

// Makes a posix_spawn child start as from a user's shell, whatever this process blocks or
// ignores: no signal blocked, every disposition the default.
void set_pristine_signals(posix_spawnattr_t& attributes);

// The stopd_test_child binary (the STOPD_TEST_CHILD compile definition).
const char* test_child_path();

struct SpawnOptions {
  // SIGKILL the child (not its own children) if the thread that spawned it exits.
  bool die_with_parent = true;
  // Keep the report pipe open after "ready" to read "forked PID" lines (--fork-on-term). Off by
  // default: a benchmark with 10,000 children should not hold 10,000 pipes.
  bool keep_report_pipe = false;
  std::chrono::milliseconds ready_timeout{10'000};
};

class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();  // kill_all(), then reap

  pid_t pid() const { return pid_; }
  // The pids of its --children, as its ready line announced them.
  const std::vector<pid_t>& children() const { return children_; }

  // Not exited yet (exited means a zombie or reaped), through a pidfd: never confused by reuse.
  bool running() const;
  // Neither it nor any announced child (nor a reported successor) still runs.
  bool all_exited() const;

  // Waits up to `timeout` for it to exit and reaps it; the wait status, or nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

  // The next "forked PID" line (keep_report_pipe), or nullopt on timeout or EOF.
  std::optional<pid_t> read_forked(std::chrono::milliseconds timeout);

  // SIGKILL to it, its announced children and reported successors. Safe to call repeatedly.
  void kill_all();

 private:
  friend class ChildSpawner;
  void reset() noexcept;

  pid_t pid_ = -1;
  int pidfd_ = -1;
  std::vector<pid_t> children_;
  std::vector<int> relative_pidfds_;  // children and successors
  int report_fd_ = -1;
  std::string report_buffer_;
  bool reaped_ = false;
};

// Spawns stopd_test_child with `args` (plus --ready-fd and --die-with-parent as the options say)
// and waits for it to be ready. Throws std::runtime_error if it exits or stays silent.
ChildProcess spawn_child(const std::vector<std::string>& args, const SpawnOptions& options = {});

// `count` children with the same arguments: all spawned first, then all waited for.
std::vector<ChildProcess> spawn_children(std::size_t count, const std::vector<std::string>& args,
                                         const SpawnOptions& options = {});

}  // namespace stopd::test
