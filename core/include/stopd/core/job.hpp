// A job: one accepted stop request, as the daemon journals it and its API shows it. Several jobs
// may share one stop (single-flight); each keeps its own requester, deadline and outcome.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stopd/sdk/outcome.hpp"
#include "stopd/sdk/request.hpp"

namespace stopd::core {

enum class JobState {
  pending,   // journaled, not yet started by a provider (e.g. queued behind a concurrency limit)
  running,   // a provider is working on it
  finished,  // `outcome` says how it ended
};

std::string_view to_string(JobState state);
std::optional<JobState> job_state_from_string(std::string_view name);

struct Job {
  using Time = std::chrono::system_clock::time_point;

  std::string id;  // unique for the life of the journal ("j-" + 26 base32 chars, time-ordered)
  JobState state = JobState::pending;
  sdk::StopRequest request;
  std::string requester;   // the token's name, or "unix"
  std::string request_id;  // the client's idempotency key; empty when none was given
  Time created{};
  std::optional<Time> started;
  std::optional<Time> finished;
  Time deadline{};               // when the job gives up (absolute, survives restarts)
  std::optional<Time> force_at;  // when graceful turns into force; nullopt: drain or not yet set
  unsigned attempts = 0;
  unsigned resumed = 0;                     // how many times a restarted daemon picked it up again
  std::string stop_id;                      // the dispatcher's stop it rides on
  bool joined = false;                      // it joined a stop of the same resource already running
  std::optional<sdk::StopOutcome> outcome;  // set when finished

  bool is_finished() const { return state == JobState::finished; }
};

// The shape of a job in every `stopctl -o json` view of it (jobs show, jobs list, stop, stop
// --wait, jobs watch, selector results): the job's fields, and its outcome flat, as a local stop
// prints one (code, message, forced, details, duration_ms; null until it has finished).
nlohmann::json to_json(const Job& job);

struct JobFilter {
  std::vector<JobState> states;  // empty: any
  std::string type;              // empty: any
  std::optional<Job::Time> created_after;
  std::optional<Job::Time> created_before;
  std::size_t limit = 100;
  std::string after_id;  // paging cursor: jobs created before this one (the list is newest first)
};

struct JobPage {
  std::vector<Job> jobs;
  std::string next_after_id;  // empty: no more
};

// One thing that happened to a job, for watchers.
struct JobEvent {
  Job::Time at{};
  std::string
      kind;  // snapshot, queued, started, progress, retry_scheduled, joined, escalated, finished
  std::string phase;
  nlohmann::json facts = nlohmann::json::object();
  Job job;  // the job as of this event
};

}  // namespace stopd::core
