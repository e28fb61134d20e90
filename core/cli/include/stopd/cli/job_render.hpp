// How stopctl shows the daemon's jobs: the outcome line of a finished job (the same line a local
// stop prints), the accepted line, `jobs show` details, the `jobs list` table, watch events and
// the live progress line; and their JSON. A job's JSON is core::to_json(job) in every view.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "stopd/core/job.hpp"
#include "stopd/core/stop_result.hpp"

namespace stopd::cli {

using SystemTime = std::chrono::system_clock::time_point;

// A job's outcome as the StopResult a local stop produces, so both print alike. For an
// unfinished job the outcome is empty (code internal); do not print it.
core::StopResult result_of(const core::Job& job);

// The outcome line of a finished job: human_result() of result_of(job).
std::string outcome_line(const core::Job& job);

// `stop` without --wait: "accepted: job j-… local.process pid=4242 (running, grace 10 s); …".
std::string accepted_line(const core::Job& job);

// `jobs show`: "job j-…" then "  key:  value" lines; an unfinished graceful job says when it is
// forced.
std::vector<std::string> job_details(const core::Job& job, SystemTime now);

// `jobs list`: a header and one row per job: ID, STATE, TYPE, TARGET, OUTCOME, AGE. Cells are
// core::printable() already, so the columns stay aligned whatever a target holds.
std::vector<std::string> job_table(const std::vector<core::Job>& jobs, SystemTime now);

// One watch event on one line: "<timestamp>  <kind>  <what happened>".
std::string event_line(const core::JobEvent& event);
// One watch event as JSON: {"at", "kind", "phase", "facts", "job"}.
nlohmann::json event_json(const core::JobEvent& event);

// The live line of a job being waited for:
// "local.process pid=42: running, signalled, 2.1 s, signal=SIGTERM processes=1 after_ms=0".
std::string live_line(const core::Job& job, const std::string& phase, const nlohmann::json& facts,
                      SystemTime now);

// "graceful, grace 10 s", "graceful, unbounded grace", "immediate".
std::string schedule_text(const sdk::StopRequest& request);

// RFC 3339 in UTC with milliseconds: "2026-11-22T05:41:50.123Z".
std::string timestamp_text(SystemTime at);
// "42s", "5m", "3h", "2d": how long ago, kubectl-style.
std::string age_text(std::chrono::milliseconds age);

}  // namespace stopd::cli
