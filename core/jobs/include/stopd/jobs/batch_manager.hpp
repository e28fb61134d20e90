// Batches in the daemon: a plan accepted over the API is parsed, expanded and journaled before it
// is acknowledged, then run by the batch engine with every item as a job (journaled, watched,
// resumed like any other). After a crash or restart, resume_unfinished() runs every unfinished
// batch again from its journaled items: an item whose job exists is not stopped again (its job is
// found by its request_id, "batch/<batch id>/<item id>", and waited for), so nothing is stopped
// twice and nothing accepted is lost.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stopd/batch/batch_engine.hpp"
#include "stopd/jobs/job_manager.hpp"
#include "stopd/jobs/job_store.hpp"

namespace stopd::core {

// What a submitter may change of a plan without editing it (stopctl batch's flags).
struct BatchOverrides {
  std::optional<unsigned> parallel;         // the plan's concurrency
  bool fail_fast = false;                   // halt on the first failure
  std::optional<std::string> max_failures;  // "N" or "N%": halt past N failures / N %
  bool dry_run = false;                     // change nothing; every item is a dry run
};

// Applies `overrides` to `plan`. Throws PlanError naming the flag for a bad max_failures.
void apply_batch_overrides(BatchPlan& plan, const BatchOverrides& overrides);

// What a batch's submitter may stop. Asked before any provider is called and before anything is
// journaled, so a caller with no right to a plan's types costs the daemon a parse and nothing
// more. The default allows everything (a trusted caller).
class BatchAccess {
 public:
  virtual ~BatchAccess() = default;
  // Why the submitter may stop nothing of `type`, or nullopt.
  virtual std::optional<std::string> refuse_type(std::string_view /*type*/) const {
    return std::nullopt;
  }
  // Why the submitter may not stop `target` of `type`, or nullopt.
  virtual std::optional<std::string> refuse_target(std::string_view /*type*/,
                                                   const nlohmann::json& /*target*/) const {
    return std::nullopt;
  }
};

struct BatchSubmission {
  std::string plan;    // JSON or YAML text
  std::string source;  // names the plan in messages, e.g. "nightly.yaml"
  BatchOverrides overrides;
  std::string requester;
  std::string request_id;  // idempotency key; empty: none
};

// A batch as a caller sees it. The JSON shapes are the report's (batch_report.hpp), so the API,
// `stopctl batch -o json` and a report file say the same thing the same way.
struct BatchView {
  std::string id;  // "b-" + a time-ordered id
  bool finished = false;
  std::string requester;
  std::string request_id;
  Job::Time created{};
  std::optional<Job::Time> finished_at;
  bool resumed = false;  // picked up again by this daemon after a restart
  nlohmann::json plan;   // the plan document as accepted
  // batch_summary_json's fields, plus "running" and "pending" while it runs.
  nlohmann::json summary = nlohmann::json::object();
  nlohmann::json items = nlohmann::json::array();    // records of the items that have ended
  nlohmann::json running = nlohmann::json::array();  // [{"item","since"}], longest running first
};

struct BatchEvent {
  std::string kind;                // snapshot, item_started, item_finished, halted, finished
  std::string item;                // the item's id (item_started, item_finished)
  nlohmann::json record;           // item_finished: the item's record
  std::string reason;              // halted
  nlohmann::json progress;         // counts: total, succeeded, failed, skipped, running, pending
  std::optional<BatchView> batch;  // snapshot and finished
};

class BatchManager {
 public:
  // `host`, `jobs` and `store` outlive the manager.
  BatchManager(Host& host, JobManager& jobs, JobStore& store);
  // Stops running engines without ending their batches: an unfinished batch stays so in the
  // journal for the next start (its jobs are the job manager's to drain or resume).
  ~BatchManager();
  BatchManager(const BatchManager&) = delete;
  BatchManager& operator=(const BatchManager&) = delete;

  // Parses the plan, checks every step's type and target against `access`, expands it (selectors
  // through the providers' list()) and validates it, journals the batch durably, starts it and
  // returns it. A step whose type or target `access` refuses refuses the batch
  // (sdk::StopError(permission_denied), naming the step); a selector's match it refuses is left
  // out unseen, as ListTargets leaves it out, and only counted (the summary's "hidden"). Throws
  // PlanError for a bad plan, sdk::StopError(unavailable) while draining or when the journal
  // fails. A request_id seen before returns that batch instead.
  BatchView submit(BatchSubmission submission, const BatchAccess& access = BatchAccess{});

  // What submit() checks before it journals anything (a schedule's plan, issue 20): parses the
  // plan, checks `access`, expands it and validates every item. Returns how many items it has
  // now. Journals nothing and starts nothing; throws as submit() does.
  std::size_t check(const BatchSubmission& submission,
                    const BatchAccess& access = BatchAccess{}) const;

  std::optional<BatchView> get(const std::string& id) const;
  std::vector<BatchView> list(std::size_t limit) const;  // newest first, without items
  // The newest `limit` batches whose request_id starts with `prefix`, newest first, as the
  // journal has them: id, request_id, finished and, once finished, the summary; no plan, no items
  // (JobStore::list_batch_runs: cheap however large the batches were).
  std::vector<BatchView> list_runs(std::string_view prefix, std::size_t limit) const;
  // The batch submitted with `request_id` (without items), if any.
  std::optional<BatchView> find_by_request_id(const std::string& request_id) const;

  // Calls `on_event` with a snapshot now, then every event until the batch finished (the last
  // event: kind "finished"). Ends when the returned handle is destroyed. Throws
  // sdk::StopError(not_found).
  std::shared_ptr<void> watch(const std::string& id,
                              std::function<void(const BatchEvent&)> on_event);

  // Skips what has not started and cancels the items running; returns the batch (finished once
  // every item has ended). Throws sdk::StopError(not_found).
  BatchView cancel(const std::string& id);

  // Runs every batch the journal holds unfinished again (call after JobManager's
  // resume_unfinished, before serving). Returns how many.
  std::size_t resume_unfinished();

  // Refuses new batches from now on (submit throws unavailable).
  void stop_accepting();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace stopd::core
