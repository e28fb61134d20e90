// Punctual escalation when many graces run out together. Every SIGKILL wakes its victim, and on a
// small machine the woken victims preempt the loop thread to run their exits, so a burst of 2,000
// kills otherwise stretches over a quarter of a second. For the few milliseconds of the burst the
// loop thread runs SCHED_FIFO (lowest real-time priority), then returns to its normal policy. Only
// pidfd_send_signal() calls run inside a burst, never host code.
#pragma once

#include <pthread.h>

namespace stopd::process {

class RealtimeBurst {
 public:
  // Best effort: without CAP_SYS_NICE (or RLIMIT_RTPRIO) nothing changes.
  RealtimeBurst() noexcept;
  ~RealtimeBurst();
  RealtimeBurst(const RealtimeBurst&) = delete;
  RealtimeBurst& operator=(const RealtimeBurst&) = delete;

 private:
  bool raised_ = false;
  int policy_ = 0;
  sched_param param_{};
};

}  // namespace stopd::process
