// Looking at processes from a test: is it running, what is its start_time, who is in a group.
// These read /proc by pid, so use them only for processes a test controls.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace stopd::test {

// /proc/PID/stat exists and the state is not zombie or dead.
bool is_running(pid_t pid);

// Field 22 of /proc/PID/stat; nullopt if there is no such process.
std::optional<std::uint64_t> start_time_of(pid_t pid);

// The process's comm; empty if there is no such process.
std::string comm_of(pid_t pid);

// Running (not zombie) processes whose process group is `pgid`.
std::vector<pid_t> running_in_process_group(pid_t pgid);

// Waits (polling waitpid WNOHANG) up to `timeout` for the child `pid` to exit and reaps it; the
// wait status, or nullopt (timeout, or not our child).
std::optional<int> reap(pid_t pid, std::chrono::milliseconds timeout);

// Makes this process the reaper of its orphaned descendants (PR_SET_CHILD_SUBREAPER), so the
// grandchildren a test orphans come back to it to be reaped instead of lingering under init.
void become_subreaper();

// Reaps every child that has exited. Returns how many.
int reap_exited_children();

// Threads of this process (/proc/self/task).
std::size_t thread_count();

// Polls `condition` every few ms until it holds or `timeout` passes; returns its last value. For
// waiting on the outside world with a generous bound, never for measuring time.
template <class Condition>
bool wait_until(Condition&& condition, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= until) return condition();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace stopd::test
