// How a stop's schedule (StopContext::force_at, deadline) turns into CRI call parameters.
#pragma once

#include <chrono>
#include <cstdint>

#include "stopd/cri/cri_client.hpp"

namespace stopd::cri {

// The `timeout` of StopContainer: whole seconds until force_at, rounded up so the container
// gets at least its grace; 0 when force is due (the runtime kills at once).
std::int64_t stop_timeout_seconds(Clock::time_point force_at, Clock::time_point now);

// The deadline of a stop call that asks the runtime to wait `timeout_seconds`: the grace plus
// the configured margin for killing and confirming, never later than the stop's own deadline.
Clock::time_point stop_call_deadline(std::int64_t timeout_seconds, std::chrono::milliseconds margin,
                                     Clock::time_point stop_deadline, Clock::time_point now);

// The deadline of a status or list call made during a stop.
Clock::time_point status_call_deadline(std::chrono::milliseconds call_timeout,
                                       Clock::time_point stop_deadline, Clock::time_point now);

}  // namespace stopd::cri
