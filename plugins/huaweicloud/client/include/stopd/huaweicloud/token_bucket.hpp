// A client-side rate limit (DLF allows 30 requests/s per user): a token bucket refilled at
// `rate` per second holding at most `burst` tokens. Waiters reserve their token before they
// sleep, so concurrent callers are served in arrival order without a thundering herd.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>

namespace stopd::huaweicloud {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  TokenBucket(double rate_per_second, double burst);

  // When the caller may send: now, or later if the bucket is empty. nullopt (and nothing
  // reserved) if that is after `deadline`.
  std::optional<Clock::time_point> reserve(Clock::time_point deadline);

 private:
  std::mutex mutex_;
  const double rate_;
  const double burst_;
  double tokens_;  // negative while callers wait for tokens not yet refilled
  Clock::time_point refilled_at_;
};

}  // namespace stopd::huaweicloud
