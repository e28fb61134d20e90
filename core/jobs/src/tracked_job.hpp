// What the job manager keeps in memory for one job in flight — only what changes while it runs
// and what maps dispatcher events to it. The request, requester and the rest live in the
// journal (a job waited for is held whole until its first write); a watched job also has a
// WatchChannel with a full copy. A few hundred bytes each.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "job_time.hpp"
#include "job_watchers.hpp"
#include "stopd/core/dispatcher.hpp"
#include "stopd/core/job.hpp"

namespace stopd::core {

inline constexpr std::int64_t kNoTime = std::numeric_limits<std::int64_t>::min();

struct TrackedJob {
  std::string id;
  std::string stop_id;  // empty until the dispatcher's first event (or ticket) names it
  std::shared_ptr<StopTicket> ticket;
  std::unique_ptr<sdk::StopOutcome> outcome;  // once finished, until journaled
  std::shared_ptr<WatchChannel> channel;      // only while watched
  std::unique_ptr<Job> unjournaled;           // a waited-for job not yet in the journal at all

  std::int64_t started_ms = kNoTime;
  std::int64_t finished_ms = kNoTime;
  std::int64_t deadline_ms = 0;
  std::int64_t force_at_ms = kNoTime;
  std::int64_t grace_ms = 0;     // of the request given to the dispatcher (grace_ms_of)
  unsigned attempts_before = 0;  // provider calls in earlier runs (a resumed job)
  unsigned attempts = 0;         // all provider calls, earlier runs included
  unsigned resumed = 0;
  JobState state = JobState::pending;
  bool joined = false;
  bool cancel_requested = false;  // cancel() asked: its end is journaled even while draining
  bool write_queued = false;      // in the journal thread's queue
  bool abandoned = false;         // ended while draining; stays unfinished in the journal
  bool awaited = false;           // a caller in wait() journals its end: no need to hurry

  // The fields that change after insert, into `job`. Unless `with_end`, a finished job that is
  // not journaled yet shows as it was before (running, or pending if it never started).
  void fill(Job& job, bool with_end) const {
    const bool ended = state == JobState::finished && with_end;
    job.state = ended ? JobState::finished
                : state == JobState::finished
                    ? (started_ms != kNoTime ? JobState::running : JobState::pending)
                    : state;
    job.started = started_ms != kNoTime ? std::optional(from_ms(started_ms)) : std::nullopt;
    job.finished = ended ? std::optional(from_ms(finished_ms)) : std::nullopt;
    job.deadline = from_ms(deadline_ms);
    job.force_at = force_at_ms != kNoTime ? std::optional(from_ms(force_at_ms)) : std::nullopt;
    job.attempts = attempts;
    job.resumed = resumed;
    job.stop_id = stop_id;
    job.joined = joined;
    if (ended && outcome)
      job.outcome = *outcome;
    else
      job.outcome.reset();
  }
};

}  // namespace stopd::core
