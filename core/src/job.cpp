#include "stopd/core/job.hpp"

#include <algorithm>
#include <array>

#include "stopd/core/time_format.hpp"

namespace stopd::core {
namespace {

constexpr std::array<std::string_view, 3> kStateNames = {"pending", "running", "finished"};

nlohmann::json timestamp(Job::Time at) {
  return rfc3339_utc(at);
}

nlohmann::json timestamp(const std::optional<Job::Time>& at) {
  return at ? timestamp(*at) : nlohmann::json(nullptr);
}

}  // namespace

std::string_view to_string(JobState state) {
  return kStateNames[static_cast<std::size_t>(state)];
}

std::optional<JobState> job_state_from_string(std::string_view name) {
  for (std::size_t i = 0; i < kStateNames.size(); ++i)
    if (kStateNames[i] == name) return static_cast<JobState>(i);
  return std::nullopt;
}

nlohmann::json to_json(const Job& job) {
  nlohmann::json out = {
      {"id", job.id},
      {"state", to_string(job.state)},
      {"type", job.request.type},
      {"target", job.request.target},
      {"options", job.request.options.is_null() ? nlohmann::json::object() : job.request.options},
      {"mode", job.request.mode == sdk::Mode::immediate ? "immediate" : "graceful"},
  };
  // Only a graceful stop has a grace; null means unbounded (drain until the work is done).
  if (job.request.mode == sdk::Mode::graceful)
    out["grace_seconds"] =
        job.request.grace ? nlohmann::json(static_cast<double>(job.request.grace->count()) / 1000.0)
                          : nlohmann::json(nullptr);
  out["dry_run"] = job.request.dry_run;
  out["requester"] = job.requester;
  out["request_id"] = job.request_id;
  out["created"] = timestamp(job.created);
  out["started"] = timestamp(job.started);
  out["finished"] = timestamp(job.finished);
  out["deadline"] = timestamp(job.deadline);
  out["force_at"] = timestamp(job.force_at);
  out["attempts"] = job.attempts;
  out["resumed"] = job.resumed;
  out["stop_id"] = job.stop_id;
  out["joined"] = job.joined;
  // The outcome as a local stop prints it (stopctl --local -o json): code, message, forced,
  // details and duration_ms next to the job's own fields, all null until it has finished.
  const bool ended = job.outcome.has_value();
  out["code"] = ended ? nlohmann::json(sdk::to_string(job.outcome->code)) : nullptr;
  out["message"] = ended ? nlohmann::json(job.outcome->message) : nullptr;
  out["forced"] = ended ? nlohmann::json(job.outcome->forced) : nullptr;
  out["details"] = ended ? job.outcome->details : nullptr;
  if (ended && job.finished) {
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        *job.finished - job.started.value_or(job.created));
    out["duration_ms"] = std::max<long long>(took.count(), 0);
  } else {
    out["duration_ms"] = nullptr;
  }
  return out;
}

}  // namespace stopd::core
