#include "test_daemon.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace stopd::e2e {
namespace {

using Clock = std::chrono::steady_clock;

// Sanitizer builds start slowly on a busy 2-core machine.
constexpr std::chrono::seconds kStartTimeout{30};

bool accepts(const std::string& socket_path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

const char* stopd_path() {
  return STOPD_PATH;
}

TestDaemon::TestDaemon(const TempDir& dir, const nlohmann::json& overrides) {
  socket_ = (dir.path() / "stopd.sock").string();
  log_ = dir.path() / "stopd.log";
  nlohmann::json config = {{"plugin_dirs", {STOPD_PLUGIN_DIR}},
                           {"listen", {{"unix_socket", socket_}}},
                           {"journal", {{"file", (dir.path() / "journal.db").string()}}},
                           {"drain_timeout_seconds", 1},
                           {"log_level", "info"}};
  for (const auto& [key, value] : overrides.items()) config[key] = value;
  const std::string config_file = dir.write("stopd.json", config.dump(2));

  std::vector<std::string> words{stopd_path(), "--config", config_file};
  std::vector<char*> argv;
  for (auto& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  const int log_fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) throw std::runtime_error("cannot open " + log_.string());
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ == 0) {
    // Only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, STDIN_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));

  const auto until = Clock::now() + kStartTimeout;
  while (!accepts(socket_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("stopd exited at start:\n" + log());
    }
    if (Clock::now() > until) {
      kill();
      throw std::runtime_error("stopd did not accept connections within 30 s:\n" + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

TestDaemon::~TestDaemon() {
  kill();
}

void TestDaemon::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string TestDaemon::log() const {
  std::ifstream in(log_);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> TestDaemon::args(std::vector<std::string> rest) const {
  std::vector<std::string> all{"--socket", socket_};
  all.insert(all.end(), rest.begin(), rest.end());
  return all;
}

StopctlResult TestDaemon::stopctl(std::vector<std::string> rest,
                                  std::chrono::milliseconds timeout) const {
  return run_stopctl(args(std::move(rest)), timeout);
}

nlohmann::json wait_finished(const TestDaemon& daemon, const std::string& id,
                             std::chrono::milliseconds timeout) {
  const auto until = Clock::now() + timeout;
  nlohmann::json job;
  while (Clock::now() < until) {
    const auto shown = daemon.stopctl({"jobs", "show", id, "-o", "json"});
    if (shown.exit_code != 0) {
      ADD_FAILURE() << shown;
      return nullptr;
    }
    job = shown.json();
    if (job.value("state", "") == "finished") return job;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "job " << id << " did not finish within " << timeout.count() << " ms: " << job;
  return nullptr;
}

}  // namespace stopd::e2e
