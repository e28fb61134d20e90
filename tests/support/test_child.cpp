// stopd_test_child: a process whose reaction to signals a test chooses, so a stop's outcome can be
// predicted exactly. Used by the process tests, the e2e tests and the benchmarks.
//
//   --exit-on-term       exit 0 on SIGTERM (the default)
//   --ignore-term        ignore SIGTERM: only SIGKILL ends it
//   --term-delay-ms N    on SIGTERM, exit N ms later
//   --children N         fork N children that stay in the process group (and cgroup) and behave
//                        the same; their pids follow "ready" on the ready line
//   --fork-on-term       on SIGTERM, first fork a successor in the same group and cgroup that
//                        exits on SIGTERM, and write "forked PID\n" to the ready fd
//   --ready-fd FD        write the ready line to FD instead of stdout
//   --setsid | --setpgid | --join-pgid N
//                        a new session, a new process group led by this process, or an existing
//                        group of this session
//   --join-cgroup DIR    move into the cgroup DIR (before forking children)
//   --die-with-parent    SIGKILL this process (not its children) when its parent exits
//
// The ready line, "ready[ CHILD-PID…]\n", is written once every handler is installed and every
// child exists: from then on a signal can no longer arrive before its handler.
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

// Under AddressSanitizer every process runs a leak check as it exits. A test that stops a thousand
// children at once would then wait on a thousand heap scans sharing two cores, seconds instead of
// milliseconds, and a SIGTERM-obeying child would look stubborn. This program allocates nothing
// worth checking, so its leak check is off (LeakSanitizer's documented hook).
#if defined(__SANITIZE_ADDRESS__)
#define STOPD_TEST_CHILD_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define STOPD_TEST_CHILD_UNDER_ASAN 1
#endif
#endif
#ifdef STOPD_TEST_CHILD_UNDER_ASAN
extern "C" int __lsan_is_turned_off() {
  return 1;
}
#endif

namespace {

volatile std::sig_atomic_t g_term = 0;
volatile std::sig_atomic_t g_child = 0;

extern "C" void on_term(int) {
  g_term = 1;
}
extern "C" void on_child(int) {
  g_child = 1;
}

struct Options {
  bool ignore_term = false;
  long term_delay_ms = 0;
  long children = 0;
  bool fork_on_term = false;
  int ready_fd = STDOUT_FILENO;
  bool setsid = false;
  bool setpgid = false;
  long join_pgid = 0;
  std::string join_cgroup;
  bool die_with_parent = false;
};

[[noreturn]] void usage(const char* problem) {
  std::fprintf(stderr, "stopd_test_child: %s\n", problem);
  std::exit(2);
}

long number(int& i, int argc, char** argv) {
  if (i + 1 >= argc) usage("missing number");
  char* end = nullptr;
  const long value = std::strtol(argv[++i], &end, 10);
  if (*end != '\0' || value < 0) usage("bad number");
  return value;
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--exit-on-term")
      options.ignore_term = false;
    else if (arg == "--ignore-term")
      options.ignore_term = true;
    else if (arg == "--term-delay-ms")
      options.term_delay_ms = number(i, argc, argv);
    else if (arg == "--children")
      options.children = number(i, argc, argv);
    else if (arg == "--fork-on-term")
      options.fork_on_term = true;
    else if (arg == "--ready-fd")
      options.ready_fd = static_cast<int>(number(i, argc, argv));
    else if (arg == "--setsid")
      options.setsid = true;
    else if (arg == "--setpgid")
      options.setpgid = true;
    else if (arg == "--join-pgid")
      options.join_pgid = number(i, argc, argv);
    else if (arg == "--join-cgroup" && i + 1 < argc)
      options.join_cgroup = argv[++i];
    else if (arg == "--die-with-parent")
      options.die_with_parent = true;
    else
      usage(("unknown argument " + std::string(arg)).c_str());
  }
  return options;
}

void fail(const char* what) {
  std::fprintf(stderr, "stopd_test_child: %s: %s\n", what, std::strerror(errno));
  std::exit(3);
}

void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nobody listens any more; not our problem
    done += static_cast<std::size_t>(n);
  }
}

void join_cgroup(const std::string& dir) {
  const int fd = ::open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) fail("open cgroup.procs");
  const std::string pid = std::to_string(::getpid());
  if (::write(fd, pid.data(), pid.size()) < 0) fail("write cgroup.procs");
  ::close(fd);
}

void install(int signal, void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = signal == SIGCHLD ? SA_NOCLDSTOP : 0;
  if (::sigaction(signal, &action, nullptr) != 0) fail("sigaction");
}

void ignore(int signal) {
  struct sigaction action {};
  // SIG_IGN is a C macro with an old-style cast; spell out the same value.
  action.sa_handler = reinterpret_cast<void (*)(int)>(1);
  sigemptyset(&action.sa_mask);
  if (::sigaction(signal, &action, nullptr) != 0) fail("sigaction");
}

void reap_children() {
  while (::waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

void sleep_ms(long ms) {
  timespec left{ms / 1000, (ms % 1000) * 1'000'000};
  while (::nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options options = parse(argc, argv);
  if (options.die_with_parent) {
    const pid_t parent = ::getppid();
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail("prctl");
    if (::getppid() != parent) return 0;  // the parent is already gone
  }
  if (options.setsid && ::setsid() < 0) fail("setsid");
  if (options.setpgid && ::setpgid(0, 0) != 0) fail("setpgid");
  if (options.join_pgid != 0 && ::setpgid(0, static_cast<pid_t>(options.join_pgid)) != 0)
    fail("setpgid(join)");
  if (!options.join_cgroup.empty()) join_cgroup(options.join_cgroup);

  // Blocked until sigsuspend(): a signal that arrives early stays pending instead of being lost
  // between a check and the wait.
  sigset_t blocked;
  sigset_t waiting;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGTERM);
  sigaddset(&blocked, SIGCHLD);
  if (::sigprocmask(SIG_BLOCK, &blocked, &waiting) != 0) fail("sigprocmask");
  sigdelset(&waiting, SIGTERM);
  sigdelset(&waiting, SIGCHLD);
  install(SIGCHLD, on_child);
  if (options.ignore_term)
    ignore(SIGTERM);
  else
    install(SIGTERM, on_term);

  // Children inherit the handlers and the mask: they are ready the moment fork() returns.
  std::string ready = "ready";
  for (long i = 0; i < options.children; ++i) {
    const pid_t child = ::fork();
    if (child < 0) fail("fork");
    if (child == 0) {
      options.children = 0;
      ready.clear();
      break;
    }
    ready += " " + std::to_string(child);
  }
  if (!ready.empty()) write_all(options.ready_fd, ready + "\n");

  for (;;) {
    if (g_child) {
      g_child = 0;
      reap_children();
    }
    if (g_term) {
      g_term = 0;
      if (options.fork_on_term) {
        const pid_t successor = ::fork();
        if (successor < 0) fail("fork");
        if (successor == 0) {
          // The successor waits for its own SIGTERM and then just exits.
          options.fork_on_term = false;
          options.term_delay_ms = 0;
          options.children = 0;
          ::prctl(PR_SET_PDEATHSIG, 0);
          continue;
        }
        write_all(options.ready_fd, "forked " + std::to_string(successor) + "\n");
      }
      if (options.term_delay_ms > 0) sleep_ms(options.term_delay_ms);
      return 0;
    }
    ::sigsuspend(&waiting);
  }
}
