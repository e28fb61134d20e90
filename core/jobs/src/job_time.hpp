// Job times as the journal keeps them: whole milliseconds since the Unix epoch.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "stopd/core/job.hpp"

namespace stopd::core {

inline std::int64_t to_ms(Job::Time at) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

// `at` rounded up to whole milliseconds. A journal time (whole milliseconds, rounded down) is
// earlier than `at` exactly when it is less than this: truncating `at` instead would leave out a
// job created in the same millisecond as `at`, before it.
inline std::int64_t to_ms_rounded_up(Job::Time at) {
  return std::chrono::ceil<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

inline Job::Time from_ms(std::int64_t ms) {
  return Job::Time(std::chrono::duration_cast<Job::Time::duration>(std::chrono::milliseconds(ms)));
}

inline std::optional<std::int64_t> to_ms(const std::optional<Job::Time>& at) {
  if (!at) return std::nullopt;
  return to_ms(*at);
}

inline std::optional<Job::Time> from_ms(const std::optional<std::int64_t>& ms) {
  if (!ms) return std::nullopt;
  return from_ms(*ms);
}

// Now, truncated to what the journal keeps, so a job in memory equals the job read back.
inline Job::Time job_clock_now() {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

}  // namespace stopd::core
