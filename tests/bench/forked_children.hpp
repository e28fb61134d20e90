// Many real processes, quickly: plain fork() children that wait in pause() until a signal
// ends them. Exec'ing a program per child would make setting up a 5,000-process run take far
// longer than the stop being measured.
#pragma once

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace stopd::bench {

enum class OnTerm { exit, ignore };

inline std::vector<pid_t> fork_children(std::size_t count, OnTerm on_term) {
  std::vector<pid_t> pids;
  pids.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed after " + std::to_string(i) + " children");
    if (pid == 0) {
      // Only async-signal-safe calls: the parent may have threads.
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed benchmark
      if (on_term == OnTerm::ignore) signal(SIGTERM, SIG_IGN);
      for (;;) pause();
    }
    pids.push_back(pid);
  }
  return pids;
}

// Reaps every child; kills first whatever is still alive so an aborted run leaves nothing.
inline void reap_children(const std::vector<pid_t>& pids) {
  for (pid_t pid : pids) kill(pid, SIGKILL);
  for (pid_t pid : pids) waitpid(pid, nullptr, 0);
}

inline double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

inline double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto index =
      static_cast<std::size_t>(p / 100.0 * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

inline std::size_t flag_value(int argc, char** argv, const std::string& name,
                              std::size_t fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return static_cast<std::size_t>(std::stoul(argv[i + 1]));
  return fallback;
}

}  // namespace stopd::bench
