#include "job_schedule.hpp"

#include <algorithm>

namespace stopd::core {

std::chrono::milliseconds default_deadline(const sdk::StopRequest& request,
                                           const DispatcherOptions& options) {
  if (request.mode == sdk::Mode::immediate) return options.deadline_margin;
  if (request.grace) return *request.grace + options.deadline_margin;
  return options.drain_deadline;
}

std::int64_t grace_ms_of(const sdk::StopRequest& request) {
  if (request.mode == sdk::Mode::immediate) return 0;
  if (!request.grace) return -1;
  return std::max<std::int64_t>(0, request.grace->count());
}

std::optional<Job::Time> force_at_of(const sdk::StopRequest& request, Job::Time at) {
  const std::int64_t grace = grace_ms_of(request);
  if (grace < 0) return std::nullopt;
  return at + std::chrono::milliseconds(grace);
}

ResumePlan resume_plan(const Job& job, Job::Time now) {
  ResumePlan plan{job.request, job.deadline, job.deadline <= now};
  if (plan.request.mode == sdk::Mode::graceful && plan.request.grace) {
    if (job.force_at) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*job.force_at - now);
      plan.request.grace = std::max(std::chrono::milliseconds(0), left);
    }
    // No force_at journaled (not expected for a bounded grace): the whole grace again.
  }
  return plan;
}

}  // namespace stopd::core
