#include "stopd/test/process_probe.hpp"

#include <dirent.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <cerrno>
#include <fstream>
#include <sstream>

namespace stopd::test {
namespace {

struct Stat {
  std::string comm;
  char state = '?';
  pid_t pgrp = 0;
  std::uint64_t start_time = 0;
};

std::optional<Stat> read_stat(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!file || !std::getline(file, text)) return std::nullopt;
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos) return std::nullopt;
  Stat stat;
  stat.comm = text.substr(open + 1, close - open - 1);
  std::istringstream rest(text.substr(close + 1));
  std::string field;
  // Fields 3 (state) to 22 (starttime) of proc(5).
  for (int number = 3; number <= 22 && rest >> field; ++number) {
    if (number == 3) stat.state = field[0];
    if (number == 5) stat.pgrp = static_cast<pid_t>(std::stol(field));
    if (number == 22) stat.start_time = std::stoull(field);
  }
  return stat;
}

std::vector<pid_t> all_pids() {
  std::vector<pid_t> pids;
  if (DIR* dir = ::opendir("/proc")) {
    while (const dirent* entry = ::readdir(dir)) {
      char* end = nullptr;
      const long pid = std::strtol(entry->d_name, &end, 10);
      if (*end == '\0' && pid > 0) pids.push_back(static_cast<pid_t>(pid));
    }
    ::closedir(dir);
  }
  return pids;
}

}  // namespace

bool is_running(pid_t pid) {
  const auto stat = read_stat(pid);
  return stat && stat->state != 'Z' && stat->state != 'X' && stat->state != 'x';
}

std::optional<std::uint64_t> start_time_of(pid_t pid) {
  const auto stat = read_stat(pid);
  if (!stat) return std::nullopt;
  return stat->start_time;
}

std::string comm_of(pid_t pid) {
  const auto stat = read_stat(pid);
  return stat ? stat->comm : std::string();
}

std::vector<pid_t> running_in_process_group(pid_t pgid) {
  std::vector<pid_t> members;
  for (const pid_t pid : all_pids()) {
    const auto stat = read_stat(pid);
    if (stat && stat->pgrp == pgid && stat->state != 'Z' && stat->state != 'X')
      members.push_back(pid);
  }
  return members;
}

std::optional<int> reap(pid_t pid, std::chrono::milliseconds timeout) {
  int status = 0;
  const bool done = wait_until(
      [&] {
        const pid_t rc = ::waitpid(pid, &status, WNOHANG);
        return rc == pid || (rc < 0 && errno == ECHILD);
      },
      timeout);
  if (!done) return std::nullopt;
  return status;
}

void become_subreaper() {
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
}

int reap_exited_children() {
  int count = 0;
  while (::waitpid(-1, nullptr, WNOHANG) > 0) ++count;
  return count;
}

std::size_t thread_count() {
  std::size_t count = 0;
  if (DIR* dir = ::opendir("/proc/self/task")) {
    while (const dirent* entry = ::readdir(dir))
      if (entry->d_name[0] != '.') ++count;
    ::closedir(dir);
  }
  return count;
}

}  // namespace stopd::test
