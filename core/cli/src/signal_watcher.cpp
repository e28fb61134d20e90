#include "stopd/cli/signal_watcher.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>

namespace stopd::cli {
namespace {

// Wakes the watcher thread when it is asked to stop. Sent only with pthread_kill to the watcher
// thread; one arriving from outside while no stop is requested is ignored.
constexpr int kWakeSignal = SIGUSR1;

}  // namespace

const char* signal_display_name(int signal) {
  switch (signal) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "a signal";
  }
}

SignalWatcher::SignalWatcher(std::function<void(int)> on_signal, const char* second_signal_message,
                             int second_signal_exit_code)
    : on_signal_(std::move(on_signal)),
      second_signal_message_(second_signal_message),
      second_signal_exit_code_(second_signal_exit_code) {
  sigemptyset(&watched_);
  for (const int signal : {SIGINT, SIGTERM, SIGHUP}) {
    // A signal the caller chose to ignore stays ignored: `nohup stopctl …` must not be cancelled
    // by a hangup, nor a background job of a script by the terminal's Ctrl-C.
    struct sigaction current {};
    if (sigaction(signal, nullptr, &current) == 0 && current.sa_handler == SIG_IGN) continue;
    sigaddset(&watched_, signal);
  }
  sigaddset(&watched_, kWakeSignal);
  if (const int error = pthread_sigmask(SIG_BLOCK, &watched_, &previous_mask_); error != 0)
    throw std::system_error(error, std::generic_category(), "pthread_sigmask");
  try {
    thread_ = std::thread([this] { watch(); });
  } catch (...) {
    pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
    throw;
  }
}

SignalWatcher::~SignalWatcher() {
  stopping_.store(true);
  pthread_kill(thread_.native_handle(), kWakeSignal);
  thread_.join();
  // A signal that arrived after the watcher stopped stays pending and is delivered here with its
  // default action, which is what the user asked for.
  pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

void SignalWatcher::watch() {
  int count = 0;
  while (true) {
    int signal = 0;
    if (sigwait(&watched_, &signal) != 0) continue;
    if (signal == kWakeSignal) {
      if (!stopping_.load()) continue;
      // The wake is sent to this thread, and Linux hands out a thread's own pending signals
      // before the process's: a second Ctrl-C that arrived while the first one's callback ran
      // can still be pending behind it. It asked to exit at once; left pending, it would kill
      // the process with its default action once the mask is restored (seen under load).
      if (count > 0 && pending_user_signal()) exit_at_once();
      return;
    }
    if (++count == 1) {
      received_.store(signal);
      if (on_signal_) on_signal_(signal);
      continue;
    }
    exit_at_once();
  }
}

bool SignalWatcher::pending_user_signal() {
  sigset_t user = watched_;
  sigdelset(&user, kWakeSignal);
  const timespec now{};
  return sigtimedwait(&user, nullptr, &now) > 0;
}

void SignalWatcher::exit_at_once() {
  // The user insists: leave without waiting for anything (no destructors, no flushing of
  // buffers the main thread may be using).
  if (second_signal_message_ != nullptr) {
    const std::size_t length = std::strlen(second_signal_message_);
    [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, second_signal_message_, length);
  }
  std::_Exit(second_signal_exit_code_);
}

}  // namespace stopd::cli
