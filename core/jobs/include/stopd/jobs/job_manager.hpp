// Jobs on top of the dispatcher: journal first, then submit; every state change journaled;
// watchers told; unfinished jobs resumed after a restart; old finished jobs pruned. The daemon's
// API is a thin layer over this class.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "stopd/core/dispatcher.hpp"
#include "stopd/core/host.hpp"
#include "stopd/core/job.hpp"
#include "stopd/jobs/job_store.hpp"

namespace stopd::core {

struct JobManagerOptions {
  std::chrono::seconds retention{std::chrono::hours(24 * 7)};  // finished jobs kept this long
  std::chrono::seconds prune_interval{std::chrono::hours(1)};  // also prunes once at start
  // The host's dispatcher options (HostConfig::dispatcher, i.e. config.host.dispatcher): the
  // manager computes each job's deadline itself (grace + deadline_margin, drain_deadline for an
  // unbounded grace, deadline_margin for immediate) and journals it; a resumed job keeps it.
  // Pass the same values the Host got.
  DispatcherOptions dispatcher;
  // A job that was in flight this many times in a row when stopd ended without a clean shutdown
  // (JobStore::interruptions()) is not resumed again: it ends `internal`, "quarantined". A stop
  // that crashes its in-process plugin, and stopd with it, then ends the crash loop by itself.
  unsigned quarantine_after = 2;
};

struct JobSubmission {
  sdk::StopRequest request;
  std::optional<std::chrono::milliseconds> deadline;  // from now; nullopt: the dispatcher's default
  std::string requester;
  std::string request_id;  // idempotency key; empty: none
  // A job without a request_id goes to the dispatcher first and is journaled once, together
  // with its end when that comes at once (one durable write instead of two). Without `wait`,
  // submit() journals it before it returns. With `wait` (Stop with wait), the caller waits for
  // the end next, before it tells anyone the id: the job is journaled with its end when it ends
  // within a few milliseconds, or alone that much after acceptance when it takes longer, so a
  // crash after that resumes it; the caller must not acknowledge it before wait() returned it.
  bool wait = false;
};

class JobManager {
 public:
  // `host` and `store` outlive the manager. Adds its observer to the host's dispatcher, so it
  // must be created before the first stop is submitted (else add_observer's std::logic_error).
  // Starts one background thread (the journal thread: write-behind of state changes, the
  // journal writes that end jobs, pruning).
  JobManager(Host& host, JobStore& store, JobManagerOptions options = {});
  // The same over a bare dispatcher (tests, embedders without plugins): `dispatcher` outlives
  // the manager, or at least is shut down after it.
  JobManager(Dispatcher& dispatcher, JobStore& store, JobManagerOptions options = {});
  // Journals what already finished, stops the journal thread; leaves unfinished jobs as they
  // are (journaled, for the next start to resume) and ignores every later dispatcher event, so
  // the dispatcher may be shut down (and cancel its stops) after the manager is gone.
  ~JobManager();
  JobManager(const JobManager&) = delete;
  JobManager& operator=(const JobManager&) = delete;

  // Validates (sdk::StopError invalid_argument, nothing journaled; also for a deadline <= 0),
  // hands the job to the dispatcher and journals it durably (with a request_id before the
  // dispatcher gets it; see JobSubmission::wait), and returns it as accepted (pending, running,
  // or finished if it ended at once and that is journaled). A request_id seen before returns
  // the existing job instead (whatever its state). Throws sdk::StopError(unavailable) while
  // draining ("stopd is shutting down") or when the journal write before the dispatch fails
  // ("journal: …"; nothing was started), and sdk::StopError(deadline_exceeded) when the write
  // after the dispatch fails (the stop was started, the message says so and names the job; the
  // write is retried, and get() returns the job meanwhile).
  Job submit(JobSubmission submission);

  // Blocks until the job finished (and that is journaled) or `timeout` passed; returns the job
  // as it is then, always journaled (at least as accepted). Throws sdk::StopError(not_found) for
  // an unknown id, sdk::StopError(deadline_exceeded) if the journal cannot take a job whose stop
  // was started (as submit()).
  Job wait(const std::string& id, std::chrono::milliseconds timeout);
  // The same for a job the caller holds (the one submit() returned, or an earlier wait()'s). A
  // caller that finds the end queued journals it itself rather than waiting for the journal
  // thread, and gets the job from memory, without reading the journal back.
  Job wait(const Job& job, std::chrono::milliseconds timeout);

  // The journal's record, with the latest in-memory progress (state running, attempts) of a
  // job in flight; a job shows as finished only once that is journaled.
  std::optional<Job> get(const std::string& id) const;
  // The journal's records, as JobStore::list (newest first, limit clamped to 1..1000).
  JobPage list(const JobFilter& filter) const;
  // Records the journal's tables refused, kept as dead letters (JobStore::dead_letters()).
  std::uint64_t dead_letters() const;

  // Withdraws the job (its outcome becomes `cancelled` unless it finished already) and returns it
  // (finished, once that is journaled; a finished job as it is). A journaled job that no one
  // runs (a previous run's, not resumed) is journaled cancelled then, or, while draining, refused
  // with sdk::StopError(unavailable). Throws sdk::StopError(not_found) for an unknown id.
  Job cancel(const std::string& id);

  // Calls `on_event` with a snapshot of the job now (synchronously, before watch() returns),
  // then with every event until the job has finished (the last event: kind "finished", job
  // finished), in order, one at a time. A finished job gets only its snapshot. Later events run
  // on dispatcher threads or the journal thread: keep it short and do not block on the manager.
  // The subscription ends when the returned (non-null) handle is destroyed: after that no call
  // starts, and the destructor waits for a call in progress on another thread (one in progress
  // on the same thread — the callback dropping its own handle — is fine). A job left unfinished
  // by drain() gets no `finished` event. Throws sdk::StopError(not_found).
  std::shared_ptr<void> watch(const std::string& id, std::function<void(const JobEvent&)> on_event);

  // Submits every job the journal holds unfinished (after a crash or restart), with the time
  // left of its grace and deadline (at least the dispatcher's margin), and marks each resumed
  // (resumed += 1, journaled before it is submitted). Same ids; jobs this manager already runs
  // are skipped, so calling it twice resumes nothing twice. Returns how many. Call it before
  // serving. Throws JournalError if the journal cannot be read or written.
  std::size_t resume_unfinished();

  // Stops accepting (submit throws unavailable), waits up to `timeout` for the jobs in flight,
  // and returns how many are still unfinished; those stay journaled as they are, for the next
  // start to resume, even though the host cancels their stops when it shuts down: from then
  // on, only a success (stopped, already_stopped) or an explicit cancel() is journaled as a
  // job's end; any other end (the host's `cancelled`, `unavailable`…) leaves the job unfinished
  // in the journal, and wait() returns it so.
  std::size_t drain(std::chrono::milliseconds timeout);

  std::size_t in_flight() const;  // jobs submitted or resumed by this manager, not yet finished

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace stopd::core
