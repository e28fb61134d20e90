#include "stopd/test/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

// glibc 2.36's <sys/pidfd.h> lacks __BEGIN_DECLS (fixed in 2.37).
extern "C" {
#include <sys/pidfd.h>
}

#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "stopd/test/process_probe.hpp"

extern char** environ;

namespace stopd::test {

void set_pristine_signals(posix_spawnattr_t& attributes) {
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  ::posix_spawnattr_setsigmask(&attributes, &none);
  ::posix_spawnattr_setsigdefault(&attributes, &all);
  ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
}

namespace {

using Clock = std::chrono::steady_clock;

// The child's end of the report pipe: a fixed number the ready line's --ready-fd can name.
constexpr int kChildReportFd = 3;

std::runtime_error error(const std::string& what, int errnum = 0) {
  return std::runtime_error("stopd_test_child: " + what +
                            (errnum ? std::string(": ") + std::strerror(errnum) : ""));
}

bool poll_readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  int n = 0;
  do n = ::poll(&p, 1, timeout_ms);
  while (n < 0 && errno == EINTR);
  return n > 0;
}

int remaining_ms(Clock::time_point until) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 60'000));
}

// A wait status (WIFEXITED/WTERMSIG work on it) from the siginfo waitid() fills in.
int wait_status(const siginfo_t& info) {
  if (info.si_code == CLD_EXITED) return (info.si_status & 0xff) << 8;
  return info.si_status & 0x7f;
}

// Reaps the process behind `pidfd` if it is our child and has exited: the status, -1 if it is not
// (or no longer) our child, nullopt if it still runs.
std::optional<int> reap_pidfd(int pidfd, bool block) {
  siginfo_t info{};
  int rc = 0;
  do rc = ::waitid(P_PIDFD, static_cast<id_t>(pidfd), &info, WEXITED | (block ? 0 : WNOHANG));
  while (rc < 0 && errno == EINTR);
  if (rc < 0) return -1;
  if (info.si_pid == 0) return std::nullopt;
  return wait_status(info);
}

// A pidfd for a process the child reported (a child or a successor), opened as soon as it is
// reported: only its own exit and reaping in between could hand the pid to someone else.
int open_relative(pid_t pid) {
  return ::pidfd_open(pid, 0);
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::once_flag g_subreaper;

}  // namespace

const char* test_child_path() {
  return STOPD_TEST_CHILD;
}

// Spawning in two steps, so many children can start before any of them is waited for.
class ChildSpawner {
 public:
  struct Pending {
    pid_t pid = -1;
    int pidfd = -1;
    int read_fd = -1;
  };

  static Pending start(const std::vector<std::string>& args, const SpawnOptions& options) {
    std::call_once(g_subreaper, [] { become_subreaper(); });
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw error("pipe2", errno);
    // Above the child's fd 3 whatever this process has open, so dup2() in the child always
    // really duplicates (and so clears close-on-exec).
    const int high = ::fcntl(fds[1], F_DUPFD_CLOEXEC, 64);
    const int dup_errno = errno;
    ::close(fds[1]);
    if (high < 0) {
      ::close(fds[0]);
      throw error("fcntl(F_DUPFD_CLOEXEC)", dup_errno);
    }

    std::vector<std::string> words{test_child_path()};
    words.insert(words.end(), args.begin(), args.end());
    words.push_back("--ready-fd");
    words.push_back(std::to_string(kChildReportFd));
    if (options.die_with_parent) words.push_back("--die-with-parent");
    std::vector<char*> argv;
    for (auto& word : words) argv.push_back(word.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_adddup2(&actions, high, kChildReportFd);
    ::posix_spawnattr_init(&attributes);
    set_pristine_signals(attributes);
    Pending pending;
    const int rc =
        ::posix_spawn(&pending.pid, argv[0], &actions, &attributes, argv.data(), environ);
    ::posix_spawn_file_actions_destroy(&actions);
    ::posix_spawnattr_destroy(&attributes);
    ::close(high);
    if (rc != 0) {
      ::close(fds[0]);
      throw error(std::string("posix_spawn ") + argv[0], rc);
    }
    pending.read_fd = fds[0];
    // Our unreaped child: its pid cannot be reused, so this pidfd is certainly for it.
    pending.pidfd = ::pidfd_open(pending.pid, 0);
    if (pending.pidfd < 0) {
      const int open_errno = errno;
      ::kill(pending.pid, SIGKILL);
      ::waitpid(pending.pid, nullptr, 0);
      ::close(pending.read_fd);
      throw error("pidfd_open", open_errno);
    }
    return pending;
  }

  static void abandon(Pending& pending) noexcept {
    if (pending.pidfd >= 0) {
      ::pidfd_send_signal(pending.pidfd, SIGKILL, nullptr, 0);
      (void)reap_pidfd(pending.pidfd, true);
    }
    close_fd(pending.pidfd);
    close_fd(pending.read_fd);
  }

  static ChildProcess finish(Pending& pending, const SpawnOptions& options) {
    ChildProcess child;
    child.pid_ = std::exchange(pending.pid, -1);
    child.pidfd_ = std::exchange(pending.pidfd, -1);
    const int read_fd = std::exchange(pending.read_fd, -1);

    std::string buffer;
    const auto until = Clock::now() + options.ready_timeout;
    std::size_t newline = std::string::npos;
    while ((newline = buffer.find('\n')) == std::string::npos) {
      if (!poll_readable(read_fd, remaining_ms(until))) {
        ::close(read_fd);
        throw error("pid " + std::to_string(child.pid_) + " did not report ready within " +
                    std::to_string(options.ready_timeout.count()) + " ms");
      }
      char chunk[256];
      const ssize_t n = ::read(read_fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::close(read_fd);
        const auto status = reap_pidfd(child.pidfd_, true);
        child.reaped_ = true;
        throw error("pid " + std::to_string(child.pid_) +
                    " exited before it was ready (wait status " +
                    std::to_string(status.value_or(-1)) + ")");
      }
      buffer.append(chunk, static_cast<std::size_t>(n));
    }

    std::istringstream line(buffer.substr(0, newline));
    std::string word;
    line >> word;
    if (word != "ready") {
      ::close(read_fd);
      throw error("unexpected first line \"" + buffer.substr(0, newline) + "\"");
    }
    pid_t pid = 0;
    while (line >> pid) {
      child.children_.push_back(pid);
      const int fd = open_relative(pid);
      if (fd >= 0) child.relative_pidfds_.push_back(fd);
    }
    if (options.keep_report_pipe) {
      child.report_fd_ = read_fd;
      child.report_buffer_ = buffer.substr(newline + 1);
    } else {
      ::close(read_fd);
    }
    return child;
  }
};

ChildProcess::ChildProcess(ChildProcess&& other) noexcept {
  *this = std::move(other);
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this == &other) return *this;
  reset();
  pid_ = std::exchange(other.pid_, -1);
  pidfd_ = std::exchange(other.pidfd_, -1);
  children_ = std::move(other.children_);
  relative_pidfds_ = std::move(other.relative_pidfds_);
  report_fd_ = std::exchange(other.report_fd_, -1);
  report_buffer_ = std::move(other.report_buffer_);
  reaped_ = std::exchange(other.reaped_, false);
  other.children_.clear();
  other.relative_pidfds_.clear();
  return *this;
}

ChildProcess::~ChildProcess() {
  reset();
}

void ChildProcess::reset() noexcept {
  kill_all();
  if (pidfd_ >= 0 && !reaped_) {
    // SIGKILLed just now: it exits promptly unless stuck in the kernel.
    if (poll_readable(pidfd_, 10'000)) (void)reap_pidfd(pidfd_, false);
  }
  // With this process as subreaper, killed children of the child come back to us: reap them.
  for (int& fd : relative_pidfds_) {
    if (poll_readable(fd, 1000)) (void)reap_pidfd(fd, false);
    close_fd(fd);
  }
  relative_pidfds_.clear();
  close_fd(pidfd_);
  close_fd(report_fd_);
  children_.clear();
  pid_ = -1;
  reaped_ = false;
}

bool ChildProcess::running() const {
  return pidfd_ >= 0 && !reaped_ && !poll_readable(pidfd_, 0);
}

bool ChildProcess::all_exited() const {
  if (running()) return false;
  for (const int fd : relative_pidfds_)
    if (!poll_readable(fd, 0)) return false;
  return true;
}

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (pidfd_ < 0) return -1;
  if (reaped_) return -1;
  if (!poll_readable(pidfd_, static_cast<int>(timeout.count()))) return std::nullopt;
  const auto status = reap_pidfd(pidfd_, false);
  if (status) reaped_ = true;
  return status;
}

std::optional<pid_t> ChildProcess::read_forked(std::chrono::milliseconds timeout) {
  if (report_fd_ < 0) return std::nullopt;
  const auto until = Clock::now() + timeout;
  for (;;) {
    const auto newline = report_buffer_.find('\n');
    if (newline != std::string::npos) {
      const std::string line = report_buffer_.substr(0, newline);
      report_buffer_.erase(0, newline + 1);
      if (line.rfind("forked ", 0) != 0) continue;
      const pid_t pid = static_cast<pid_t>(std::stol(line.substr(7)));
      const int fd = open_relative(pid);
      if (fd >= 0) relative_pidfds_.push_back(fd);
      return pid;
    }
    if (!poll_readable(report_fd_, remaining_ms(until))) return std::nullopt;
    char chunk[256];
    const ssize_t n = ::read(report_fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    report_buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

void ChildProcess::kill_all() {
  if (pidfd_ >= 0 && !reaped_) ::pidfd_send_signal(pidfd_, SIGKILL, nullptr, 0);
  for (const int fd : relative_pidfds_) ::pidfd_send_signal(fd, SIGKILL, nullptr, 0);
}

ChildProcess spawn_child(const std::vector<std::string>& args, const SpawnOptions& options) {
  auto pending = ChildSpawner::start(args, options);
  try {
    return ChildSpawner::finish(pending, options);
  } catch (...) {
    ChildSpawner::abandon(pending);
    throw;
  }
}

std::vector<ChildProcess> spawn_children(std::size_t count, const std::vector<std::string>& args,
                                         const SpawnOptions& options) {
  std::vector<ChildSpawner::Pending> pending;
  pending.reserve(count);
  std::vector<ChildProcess> children;
  children.reserve(count);
  try {
    for (std::size_t i = 0; i < count; ++i) pending.push_back(ChildSpawner::start(args, options));
    for (auto& one : pending) children.push_back(ChildSpawner::finish(one, options));
  } catch (...) {
    for (auto& one : pending) ChildSpawner::abandon(one);
    throw;
  }
  return children;
}

}  // namespace stopd::test
