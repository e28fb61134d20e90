// Jittered exponential backoff between retries of an `unavailable` stop: half of the exponential
// step is fixed, half random, so retries from many stops that failed together spread out
// instead of hitting a recovering backend at once ("equal jitter").
#pragma once

#include <algorithm>
#include <chrono>
#include <random>

namespace stopd::core {

// `failed_attempt` counts from 1. `random_fraction` is uniform in [0, 1).
inline std::chrono::milliseconds backoff_delay(unsigned failed_attempt,
                                               std::chrono::milliseconds initial,
                                               std::chrono::milliseconds cap,
                                               double random_fraction) {
  const unsigned doublings = std::min(failed_attempt > 0 ? failed_attempt - 1 : 0u, 30u);
  const auto step = std::min<long long>(cap.count(), initial.count() << doublings);
  const auto half = step / 2;
  return std::chrono::milliseconds(
      half + static_cast<long long>(static_cast<double>(step - half) * random_fraction));
}

inline double random_fraction() {
  thread_local std::minstd_rand engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

}  // namespace stopd::core
