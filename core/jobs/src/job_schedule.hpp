// When a job gives up and when its grace ends: the dispatcher's rules (request_validation.cpp,
// schedule_for), computed by the job manager so it can journal them as absolute times.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "stopd/core/dispatcher.hpp"
#include "stopd/core/job.hpp"

namespace stopd::core {

// The default time budget of a request: grace + margin; drain_deadline for an unbounded grace;
// the margin for an immediate stop.
std::chrono::milliseconds default_deadline(const sdk::StopRequest& request,
                                           const DispatcherOptions& options);

// The grace as the manager tracks it: 0 for immediate, -1 for unbounded, else milliseconds.
std::int64_t grace_ms_of(const sdk::StopRequest& request);

// When the request's own grace ends if it starts at `at`; nullopt for an unbounded grace.
std::optional<Job::Time> force_at_of(const sdk::StopRequest& request, Job::Time at);

// How a journaled, unfinished job continues after a restart at `now`. It keeps its journaled
// deadline (a caller's deadline is a promise about when the resource may still be touched, and
// the time stopd was down counts against it) and the rest of its grace: force_at - now, at least
// 0; unchanged if immediate or unbounded. A job whose deadline has passed is `expired`: it ends
// deadline_exceeded without being run again.
struct ResumePlan {
  sdk::StopRequest request;  // what to submit
  Job::Time deadline;
  bool expired = false;
};
ResumePlan resume_plan(const Job& job, Job::Time now);

}  // namespace stopd::core
