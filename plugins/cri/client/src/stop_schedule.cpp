#include "stopd/cri/stop_schedule.hpp"

#include <algorithm>
#include <limits>

namespace stopd::cri {

std::int64_t stop_timeout_seconds(Clock::time_point force_at, Clock::time_point now) {
  if (force_at <= now) return 0;
  // A day is far beyond any grace the host accepts without drain; it keeps the arithmetic finite
  // for force_at == max().
  constexpr std::int64_t kLongest = 24 * 3600;
  if (force_at - now >= std::chrono::seconds(kLongest)) return kLongest;
  const auto remaining = std::chrono::ceil<std::chrono::seconds>(force_at - now);
  return std::max<std::int64_t>(remaining.count(), 1);
}

Clock::time_point stop_call_deadline(std::int64_t timeout_seconds, std::chrono::milliseconds margin,
                                     Clock::time_point stop_deadline, Clock::time_point now) {
  return std::min(stop_deadline, now + std::chrono::seconds(timeout_seconds) + margin);
}

Clock::time_point status_call_deadline(std::chrono::milliseconds call_timeout,
                                       Clock::time_point stop_deadline, Clock::time_point now) {
  return std::min(stop_deadline, now + call_timeout);
}

}  // namespace stopd::cri
