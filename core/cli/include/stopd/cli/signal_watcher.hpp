// Ctrl-C and SIGTERM while a stop runs: a dedicated thread waits for them with sigwait(), so
// nothing async-signal-unsafe ever runs in a signal handler. The first signal calls the
// `on_signal` callback (stopctl cancels its ticket there); a second one ends the process at once.
#pragma once

#include <pthread.h>

#include <atomic>
#include <csignal>
#include <functional>
#include <thread>

namespace stopd::cli {

class SignalWatcher {
 public:
  // Blocks SIGINT, SIGTERM and SIGHUP (those not ignored when stopctl started) in the calling
  // thread; every thread started afterwards (the
  // dispatcher's, the plugins') inherits the blocked mask, so the signals can only reach the
  // watcher. Construct it before anything starts a thread.
  //
  // `on_signal(signal)` runs on the watcher thread for the first signal. On a second signal the
  // watcher writes `second_signal_message` to stderr and calls _Exit(`second_signal_exit_code`).
  SignalWatcher(std::function<void(int signal)> on_signal, const char* second_signal_message,
                int second_signal_exit_code);
  // Stops the watcher thread and restores the signal mask of the constructing thread.
  ~SignalWatcher();

  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  // The first signal received, or 0.
  int received() const { return received_.load(); }

 private:
  void watch();
  // Takes a pending SIGINT, SIGTERM or SIGHUP without waiting; false if none is pending.
  bool pending_user_signal();
  [[noreturn]] void exit_at_once();

  std::function<void(int)> on_signal_;
  const char* second_signal_message_;
  int second_signal_exit_code_;
  sigset_t watched_{};
  sigset_t previous_mask_{};
  std::atomic<int> received_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// "SIGINT", "SIGTERM", or "signal N".
const char* signal_display_name(int signal);

}  // namespace stopd::cli
