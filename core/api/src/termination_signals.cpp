#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <ctime>
#include <system_error>

#include "stopd/api/daemon.hpp"
#include "stopd/core/logging.hpp"

namespace stopd::core {
namespace {

sigset_t termination_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

void block_termination_signals() {
  const sigset_t set = termination_set();
  if (const int error = pthread_sigmask(SIG_BLOCK, &set, nullptr); error != 0)
    throw std::system_error(error, std::generic_category(), "pthread_sigmask");
  // gRPC writes with MSG_NOSIGNAL, but a plugin writing to a closed pipe must not kill the daemon.
  ::signal(SIGPIPE, SIG_IGN);
}

std::optional<int> wait_for_termination_signal(std::optional<std::chrono::milliseconds> timeout) {
  const sigset_t set = termination_set();
  const auto until = timeout ? std::chrono::steady_clock::now() + *timeout
                             : std::chrono::steady_clock::time_point::max();
  for (;;) {
    int signal = 0;
    if (!timeout) {
      if (const int error = sigwait(&set, &signal); error != 0)
        throw std::system_error(error, std::generic_category(), "sigwait");
    } else {
      const auto left = until - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) return std::nullopt;
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      timespec wait{};
      wait.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
      wait.tv_nsec = static_cast<long>(ns % 1'000'000'000);
      signal = sigtimedwait(&set, nullptr, &wait);
      if (signal < 0) {
        if (errno == EAGAIN) return std::nullopt;
        if (errno == EINTR) continue;
        throw std::system_error(errno, std::generic_category(), "sigtimedwait");
      }
    }
    if (signal == SIGHUP) {
      host_logger()->info("SIGHUP ignored: stopd reads its config only at start");
      continue;
    }
    return signal;
  }
}

}  // namespace stopd::core
