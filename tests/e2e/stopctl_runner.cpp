#include "stopctl_runner.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "stopd/test/child_process.hpp"

extern char** environ;

namespace stopd::e2e {
namespace {

using Clock = std::chrono::steady_clock;

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::runtime_error system_error(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

}  // namespace

const char* stopctl_path() {
  return STOPCTL_PATH;
}

std::filesystem::path test_plugin_dir() {
  return STOPD_TEST_PLUGIN_DIR;
}

nlohmann::json StopctlResult::json() const {
  try {
    return nlohmann::json::parse(out);
  } catch (const nlohmann::json::exception& e) {
    ADD_FAILURE() << "stdout is not one JSON document (" << e.what() << ")\n" << *this;
    return nullptr;
  }
}

std::ostream& operator<<(std::ostream& os, const StopctlResult& result) {
  os << "$ stopctl";
  for (const auto& arg : result.args)
    os << ' ' << (arg.size() > 200 ? arg.substr(0, 200) + "…" : arg);
  os << "\nexit code: " << result.exit_code;
  if (result.term_signal != 0) os << " (killed by signal " << result.term_signal << ")";
  if (result.timed_out) os << " (timed out)";
  os << ", took " << result.elapsed.count() << " ms\n--- stdout ---\n"
     << result.out << "--- stderr ---\n"
     << result.err << "--------------\n";
  return os;
}

StopctlProcess::StopctlProcess(std::vector<std::string> args) : args_(std::move(args)) {
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw system_error("pipe2");
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    throw system_error("pipe2");
  }
  std::vector<std::string> words{stopctl_path()};
  words.insert(words.end(), args_.begin(), args_.end());
  std::vector<char*> argv;
  for (auto& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  ::posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  ::posix_spawnattr_init(&attributes);
  test::set_pristine_signals(attributes);  // what a user's shell gives it
  started_ = Clock::now();
  const int rc = ::posix_spawn(&pid_, argv[0], &actions, &attributes, argv.data(), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attributes);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  out_fd_ = out_pipe[0];
  err_fd_ = err_pipe[0];
  if (rc != 0) {
    close_fd(out_fd_);
    close_fd(err_fd_);
    pid_ = -1;
    errno = rc;
    throw system_error(std::string("posix_spawn ") + argv[0]);
  }
}

StopctlProcess::~StopctlProcess() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  close_fd(out_fd_);
  close_fd(err_fd_);
}

void StopctlProcess::signal(int signal) {
  if (pid_ > 0 && !reaped_) ::kill(pid_, signal);
}

bool StopctlProcess::wait_until_stopping(pid_t target, std::chrono::milliseconds timeout) {
  const std::string proc = "/proc/" + std::to_string(pid_);
  const std::string wanted = "Pid:\t" + std::to_string(target);  // a pidfd's fdinfo line
  const auto stopctl = std::filesystem::canonical(stopctl_path());
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::error_code error;
    // Before its exec the forked process still holds the test's own pidfds.
    if (std::filesystem::read_symlink(proc + "/exe", error) == stopctl && !error)
      for (const auto& entry : std::filesystem::directory_iterator(proc + "/fdinfo", error)) {
        std::ifstream info(entry.path());
        for (std::string line; std::getline(info, line);)
          if (line == wanted) return true;
      }
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(10ms);
  }
}

StopctlResult StopctlProcess::finish(std::chrono::milliseconds timeout) {
  StopctlResult result;
  result.args = args_;
  const auto until = started_ + timeout;
  // Both pipes until EOF (stopctl exited or closed them), then its status.
  while (out_fd_ >= 0 || err_fd_ >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(pid_, SIGKILL);
      break;
    }
    pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
    const int n = ::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (n < 0 && errno != EINTR) throw system_error("poll");
    for (int i = 0; i < 2 && n > 0; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[4096];
      const ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
      if (got > 0) {
        (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        close_fd(i == 0 ? out_fd_ : err_fd_);
      }
    }
  }
  int status = 0;
  while (true) {
    const pid_t reaped = ::waitpid(pid_, &status, result.timed_out ? 0 : WNOHANG);
    if (reaped == pid_) break;
    if (reaped < 0 && errno != EINTR) throw system_error("waitpid");
    if (Clock::now() > until && !result.timed_out) {
      result.timed_out = true;
      ::kill(pid_, SIGKILL);
      continue;
    }
    std::this_thread::sleep_for(2ms);
  }
  reaped_ = true;
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
  close_fd(out_fd_);
  close_fd(err_fd_);
  return result;
}

StopctlResult run_stopctl(std::vector<std::string> args, std::chrono::milliseconds timeout) {
  StopctlProcess process(std::move(args));
  StopctlResult result = process.finish(timeout);
  EXPECT_EQ(result.term_signal, 0) << "stopctl was killed by a signal\n" << result;
  EXPECT_FALSE(result.timed_out) << result;
  for (const char* never : {"terminate called", "Sanitizer", "runtime error:", "Segmentation"})
    EXPECT_EQ(result.err.find(never), std::string::npos) << "stderr shows '" << never << "'\n"
                                                         << result;
  return result;
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "stopd-e2e.XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw system_error("mkdtemp");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
  const auto file = path_ / name;
  std::ofstream out(file, std::ios::binary);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + file.string());
  return file.string();
}

}  // namespace stopd::e2e
