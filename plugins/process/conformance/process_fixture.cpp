// local.process's conformance fixture: real child processes of the suite. A running resource is
// `sleep`, a stubborn one is `sleep` ignoring SIGTERM, a stopped one is a child that exited and
// was reaped (named with its start time, so a reused pid cannot stand in for it).
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "stopd/conformance.hpp"

extern char** environ;

namespace {

using nlohmann::json;

// Fields of /proc/PID/stat after the command name: [0] is the state, [19] the start time.
std::vector<std::string> stat_fields(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return {};
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::vector<std::string> fields;
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}

// The signals the process ignores, from /proc/PID/status.
unsigned long long ignored_signals(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("SigIgn:", 0) == 0) return std::stoull(line.substr(7), nullptr, 16);
  return 0;
}

std::string command_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string comm;
  std::getline(in, comm);
  return comm;
}

class ProcessFixture final : public stopd::conformance::Fixture {
 public:
  ~ProcessFixture() override {
    for (pid_t pid : children_) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }

  json make_running() override {
    return {{"pid", started(spawn({"sleep", "600"}), [](pid_t) { return true; })}};
  }

  std::optional<json> make_stubborn() override {
    // SIG_IGN survives exec, so sleep itself ignores SIGTERM. Handed out only once it does.
    const pid_t pid = spawn({"/bin/sh", "-c", "trap '' TERM; exec sleep 600"});
    return json{
        {"pid", started(pid, [](pid_t p) { return (ignored_signals(p) >> (SIGTERM - 1)) & 1; })}};
  }

  json make_stopped() override {
    const pid_t pid = spawn({"true"});
    ::siginfo_t info{};
    ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT);  // a zombie: stat remains
    const auto fields = stat_fields(pid);
    ::waitpid(pid, nullptr, 0);
    std::erase(children_, pid);
    if (fields.size() < 20) throw std::runtime_error("cannot read the start time of a child");
    return {{"pid", pid}, {"start_time", std::stoull(fields[19])}};
  }

  std::optional<json> make_missing() override {
    return json{
        {"pidfile", "/nonexistent/stopd-conformance/" + std::to_string(::getpid()) + ".pid"}};
  }

  std::optional<bool> is_running(const json& target) override {
    const auto fields = stat_fields(target.at("pid").get<pid_t>());
    return !fields.empty() && fields[0] != "Z" && fields[0] != "X";
  }

  std::chrono::milliseconds graceful_stop_time() override { return std::chrono::seconds(3); }

 private:
  pid_t spawn(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    // The host's threads block SIGTERM; a child must not inherit that mask.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
    pid_t pid = -1;
    const int error = ::posix_spawnp(&pid, argv[0], nullptr, &attributes, argv.data(), environ);
    posix_spawnattr_destroy(&attributes);
    if (error != 0) throw std::system_error(error, std::generic_category(), "spawn " + args[0]);
    children_.push_back(pid);
    return pid;
  }

  // Waits until the child runs `sleep` and `ready` holds, so no stop reaches it half-started.
  template <class Ready>
  pid_t started(pid_t pid, Ready ready) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!(command_of(pid) == "sleep" && ready(pid))) {
      if (std::chrono::steady_clock::now() > until)
        throw std::runtime_error("child " + std::to_string(pid) + " did not start sleep");
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return pid;
  }

  std::vector<pid_t> children_;
};

}  // namespace

STOPD_CONFORMANCE_FIXTURE(ProcessFixture)
