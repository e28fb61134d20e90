#include "plugin_process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "stopd/core/host_config.hpp"

extern char** environ;

// Debian 12's glibc declares pidfd_open() without C linkage for C++, so the syscalls are made
// directly.
namespace stopd::core {
namespace {

constexpr int kChildSocketFd = 3;
constexpr int kExecErrorFd = 4;  // close-on-exec: EOF on it means exec succeeded
constexpr const char* kDefaultPath =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

struct Credentials {
  bool drop = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

Credentials resolve_credentials(const PluginHostSettings& settings) {
  Credentials credentials;
  if (!settings.user && !settings.group) return credentials;
  if (geteuid() != 0)
    throw ConfigError("plugin_host.user/group: switching credentials needs stopd to run as root");
  credentials.drop = true;
  credentials.uid = geteuid();
  credentials.gid = getegid();
  std::vector<char> buffer(16384);
  if (settings.user) {
    passwd entry{};
    passwd* found = nullptr;
    getpwnam_r(settings.user->c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (found == nullptr)
      throw ConfigError("plugin_host.user: no user named '" + *settings.user + "'");
    credentials.uid = found->pw_uid;
    credentials.gid = found->pw_gid;
  }
  if (settings.group) {
    group entry{};
    group* found = nullptr;
    getgrnam_r(settings.group->c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (found == nullptr)
      throw ConfigError("plugin_host.group: no group named '" + *settings.group + "'");
    credentials.gid = found->gr_gid;
  }
  return credentials;
}

// The whole environment of the child: PATH, the configured variables, and the sanitizer
// runtimes' options (a sanitized build's child must behave like its parent).
std::vector<std::string> child_environment(const PluginHostSettings& settings) {
  std::vector<std::string> out;
  if (!settings.environment.contains("PATH")) out.emplace_back(kDefaultPath);
  for (const auto& [name, value] : settings.environment) out.push_back(name + "=" + value);
  for (const auto& name : settings.inherit_environment)
    if (const char* value = std::getenv(name.c_str());
        value != nullptr && !settings.environment.contains(name))
      out.push_back(name + "=" + value);
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    if (text.starts_with("ASAN_OPTIONS=") || text.starts_with("UBSAN_OPTIONS=") ||
        text.starts_with("LSAN_OPTIONS="))
      out.emplace_back(text);
  }
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Between fork and exec only async-signal-safe calls: report errno on the pipe and _exit.
[[noreturn]] void child_fail(const char* step) {
  const int error = errno;
  char message[128];
  const std::size_t length = std::strlen(step);
  std::size_t n = length < 100 ? length : 100;
  std::memcpy(message, step, n);
  message[n++] = '\0';
  std::memcpy(message + n, &error, sizeof error);
  n += sizeof error;
  ssize_t ignored = ::write(kExecErrorFd, message, n);
  (void)ignored;
  _exit(127);
}

bool move_fd(int from, int to) {
  if (from == to) return fcntl(to, F_SETFD, 0) == 0;  // keep it across exec
  return dup2(from, to) == to;
}

[[noreturn]] void run_child(pid_t parent, const PluginProcessSpec& spec, const Credentials& creds,
                            int error_pipe, char* const* argv, char* const* envp) {
  // The plugin host dies with the thread that started it, even after kill -9 of stopd.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(127);
  // Its own process group: a Ctrl-C at stopctl's terminal is stopctl's to handle.
  setpgid(0, 0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);

  // Park the descriptors above the ones they must become, then put each in place.
  const int error_high = fcntl(error_pipe, F_DUPFD_CLOEXEC, 10);
  const int socket_high = spec.socket_fd >= 0 ? fcntl(spec.socket_fd, F_DUPFD, 10) : -1;
  const int stdout_high = spec.stdout_fd >= 0 ? fcntl(spec.stdout_fd, F_DUPFD, 10) : -1;
  const int stdin_high = spec.stdin_fd >= 0 ? fcntl(spec.stdin_fd, F_DUPFD, 10) : -1;
  if (error_high < 0) _exit(127);
  if (dup2(error_high, kExecErrorFd) != kExecErrorFd) _exit(127);
  fcntl(kExecErrorFd, F_SETFD, FD_CLOEXEC);
  if (socket_high >= 0 && !move_fd(socket_high, kChildSocketFd)) child_fail("dup2 socket");
  if (socket_high < 0) close(kChildSocketFd);
  const int stdin_from = stdin_high >= 0 ? stdin_high : open("/dev/null", O_RDONLY);
  if (stdin_from < 0 || !move_fd(stdin_from, 0)) child_fail("open /dev/null");
  if (!move_fd(stdout_high >= 0 ? stdout_high : 2, 1)) child_fail("dup2 stdout");
  if (close_range(kExecErrorFd + 1, ~0U, 0) != 0) child_fail("close_range");

  const auto limit = [](int resource, const std::optional<std::uint64_t>& value, const char* what) {
    if (!value) return;
    rlimit l{static_cast<rlim_t>(*value), static_cast<rlim_t>(*value)};
    if (setrlimit(resource, &l) != 0) child_fail(what);
  };
  limit(RLIMIT_AS, spec.settings.address_space_bytes, "setrlimit RLIMIT_AS");
  limit(RLIMIT_NOFILE, spec.settings.open_files, "setrlimit RLIMIT_NOFILE");
  // CPU: the hard limit a second above the soft one, so the process dies of SIGXCPU (which says
  // why) rather than of the hard limit's SIGKILL.
  if (spec.settings.cpu_seconds) {
    rlimit l{static_cast<rlim_t>(*spec.settings.cpu_seconds),
             static_cast<rlim_t>(*spec.settings.cpu_seconds + 1)};
    if (setrlimit(RLIMIT_CPU, &l) != 0) child_fail("setrlimit RLIMIT_CPU");
  }
  if (creds.drop) {
    if (setgroups(1, &creds.gid) != 0) child_fail("setgroups");
    if (setgid(creds.gid) != 0) child_fail("setgid");
    if (setuid(creds.uid) != 0) child_fail("setuid");
  }
  execve(argv[0], argv, envp);
  child_fail("exec");
}

}  // namespace

PluginProcess::PluginProcess(const PluginProcessSpec& spec) {
  const Credentials credentials = resolve_credentials(spec.settings);
  std::vector<std::string> args{spec.executable.string()};
  args.insert(args.end(), spec.arguments.begin(), spec.arguments.end());
  std::vector<std::string> env = child_environment(spec.settings);
  auto argv = pointers(args);
  auto envp = pointers(env);

  int error_pipe[2];
  if (pipe2(error_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    const int error = errno;
    close(error_pipe[0]);
    close(error_pipe[1]);
    throw std::runtime_error(std::string("cannot fork: ") + std::strerror(error));
  }
  if (pid == 0) run_child(parent, spec, credentials, error_pipe[1], argv.data(), envp.data());
  close(error_pipe[1]);
  pid_ = pid;
  pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));

  char report[128];
  ssize_t got;
  do {
    got = read(error_pipe[0], report, sizeof report);
  } while (got < 0 && errno == EINTR);
  close(error_pipe[0]);
  if (got > 0) {
    int error = 0;
    const std::size_t step_length = strnlen(report, static_cast<std::size_t>(got));
    if (static_cast<std::size_t>(got) >= step_length + 1 + sizeof error)
      std::memcpy(&error, report + step_length + 1, sizeof error);
    wait();
    throw std::runtime_error("cannot start " + spec.executable.string() + ": " +
                             std::string(report, step_length) + ": " + std::strerror(error));
  }
  if (pidfd_ < 0) {
    const int error = errno;
    kill();
    wait();
    throw std::runtime_error(std::string("pidfd_open: ") + std::strerror(error));
  }
}

PluginProcess::~PluginProcess() {
  if (!reaped_ && pid_ > 0) {
    kill();
    wait();
  }
  if (pidfd_ >= 0) close(pidfd_);
}

bool PluginProcess::exited_within(std::chrono::milliseconds timeout) const {
  if (reaped_) return true;
  pollfd fd{pidfd_, POLLIN, 0};
  return poll(&fd, 1, static_cast<int>(timeout.count())) > 0;
}

void PluginProcess::kill() const {
  if (reaped_) return;
  if (pidfd_ >= 0)
    syscall(SYS_pidfd_send_signal, pidfd_, SIGKILL, nullptr, 0);
  else
    ::kill(pid_, SIGKILL);
}

std::string PluginProcess::wait() {
  if (reaped_) return "reaped";
  siginfo_t info{};
  int result;
  do {
    result = waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED);
  } while (result != 0 && errno == EINTR);
  reaped_ = true;
  if (result != 0) return std::string("unknown (waitid: ") + std::strerror(errno) + ")";
  if (info.si_code == CLD_EXITED) return "exit " + std::to_string(info.si_status);
  return signal_name(info.si_status);
}

PluginHostAnswer run_for_answer(PluginProcessSpec spec, std::string_view input,
                                std::chrono::seconds timeout, std::size_t max_output) {
  // The input waits in a memory file, so writing it can neither block on a child that does not
  // read nor raise SIGPIPE when the child is already gone.
  const int input_fd =
      static_cast<int>(syscall(SYS_memfd_create, "plugin-host-input", MFD_CLOEXEC));
  if (input_fd < 0) throw std::runtime_error(std::string("memfd_create: ") + std::strerror(errno));
  for (std::size_t written = 0; written < input.size();) {
    const ssize_t n = ::write(input_fd, input.data() + written, input.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = errno;
      close(input_fd);
      throw std::runtime_error(std::string("writing the plugin host's input: ") +
                               std::strerror(error));
    }
    written += static_cast<std::size_t>(n);
  }
  lseek(input_fd, 0, SEEK_SET);
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    const int error = errno;
    close(input_fd);
    throw std::runtime_error(std::string("pipe: ") + std::strerror(error));
  }
  spec.stdin_fd = input_fd;
  spec.stdout_fd = pipe_fds[1];
  std::unique_ptr<PluginProcess> process;
  try {
    process = std::make_unique<PluginProcess>(spec);
  } catch (...) {
    close(input_fd);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    throw;
  }
  close(input_fd);
  close(pipe_fds[1]);
  PluginHostAnswer answer;
  const auto until = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    pollfd fd{pipe_fds[0], POLLIN, 0};
    if (left.count() <= 0 || poll(&fd, 1, static_cast<int>(left.count())) == 0) {
      process->kill();
      answer.ended = "did not finish within " + std::to_string(timeout.count()) + " s";
      break;
    }
    const ssize_t got = read(pipe_fds[0], buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    if (answer.output.size() < max_output)
      answer.output.append(buffer, static_cast<std::size_t>(got));
  }
  close(pipe_fds[0]);
  const std::string how = process->wait();
  if (answer.ended.empty()) answer.ended = how;
  return answer;
}

std::string signal_name(int signal) {
  if (const char* abbreviation = sigabbrev_np(signal)) return std::string("SIG") + abbreviation;
  return "signal " + std::to_string(signal);
}

}  // namespace stopd::core
