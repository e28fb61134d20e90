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
#include "stopd/core/job_store.hpp"

namespace stopd::core {

struct JobManagerOptions {
  std::chrono::seconds retention{std::chrono::hours(24 * 7)};  // finished jobs kept this long
  std::chrono::seconds prune_interval{std::chrono::hours(1)};
};

struct JobSubmission {
  sdk::StopRequest request;
  std::optional<std::chrono::milliseconds> deadline;  // from now; nullopt: the dispatcher's default
  std::string requester;
  std::string request_id;  // idempotency key; empty: none
};

class JobManager {
 public:
  // `host` and `store` outlive the manager. Adds its observer to the host's dispatcher, so it
  // must be created before the first stop is submitted.
  JobManager(Host& host, JobStore& store, JobManagerOptions options = {});
  ~JobManager();  // stops pruning; does not touch unfinished jobs (they stay journaled)
  JobManager(const JobManager&) = delete;
  JobManager& operator=(const JobManager&) = delete;

  // Validates (sdk::StopError invalid_argument, nothing journaled), journals the job durably,
  // then hands it to the dispatcher and returns it as accepted. A request_id seen before returns
  // the existing job instead. Throws sdk::StopError(unavailable) while draining.
  Job submit(JobSubmission submission);

  // Blocks until the job finished or `timeout` passed; returns the job as it is then.
  // Throws sdk::StopError(not_found) for an unknown id.
  Job wait(const std::string& id, std::chrono::milliseconds timeout);

  std::optional<Job> get(const std::string& id) const;
  JobPage list(const JobFilter& filter) const;

  // Withdraws the job (its outcome becomes `cancelled` unless it finished already) and returns it.
  // Throws sdk::StopError(not_found).
  Job cancel(const std::string& id);

  // Calls `on_event` with a snapshot of the job now, then with every event until the job has
  // finished (the last event). Runs on dispatcher threads: keep it short. The subscription ends
  // when the returned handle is destroyed. Throws sdk::StopError(not_found).
  std::shared_ptr<void> watch(const std::string& id, std::function<void(const JobEvent&)> on_event);

  // Submits every job the journal holds unfinished (after a crash or restart), with the time
  // left of its grace and deadline (at least the dispatcher's margin), and marks each resumed.
  // Returns how many.
  std::size_t resume_unfinished();

  // Stops accepting (submit throws unavailable), waits up to `timeout` for the jobs in flight,
  // and returns how many are still unfinished; those stay journaled as they are, for the next
  // start to resume, even though the host cancels their stops when it shuts down.
  std::size_t drain(std::chrono::milliseconds timeout);

  std::size_t in_flight() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace stopd::core
