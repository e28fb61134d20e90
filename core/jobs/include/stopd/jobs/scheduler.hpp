// Scheduled stops: each schedule's calendar (core/schedule) fires a run, and each run is a batch
// (BatchManager) whose request_id is the schedule's name and the instant it was due:
// "schedule/<name>/<unix seconds>". The journal settles a run's fate, not this class: a run
// submitted twice (a crash between submit and anything after it, a catch-up after a restart) is
// the same batch, started once, resumed by the batch manager if it was cut short.
//
// Semantics (README: "Scheduled stops"):
//   - overlap: a run due while the schedule's previous batch is still running is skipped with a
//     log line (forbid, the default), or cancels that batch first (replace);
//   - missed runs: at start (counting from the schedule's last run in the journal; a schedule
//     that never ran owes nothing from before the start), and whenever the scheduler wakes late
//     (the machine slept, the wall clock jumped), the latest instant due within `catch_up` (at
//     least 30 s: a timer fires a little late) runs once; older ones are counted as missed and
//     logged, never run;
//   - time: calendars are read on the clock's wall time, timers on its steady time, re-checked
//     at least every kMaxSleep so a wall clock that jumps is noticed.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "stopd/core/host_clock.hpp"
#include "stopd/jobs/batch_manager.hpp"
#include "stopd/jobs/job_store.hpp"

namespace stopd::core {

struct ScheduleSpec {
  std::string name;         // 1-64 of [A-Za-z0-9._-]: part of every run's request_id
  std::string cron;         // five fields or a macro (stopd/schedule/cron_expression.hpp)
  std::string tz;           // an IANA zone; empty: UTC
  std::string plan;         // the batch plan, JSON or YAML text
  std::string plan_source;  // names the plan in messages (its file, or the config key)
  enum class Overlap { forbid, replace } overlap = Overlap::forbid;
  std::chrono::seconds catch_up{std::chrono::minutes(5)};
  bool paused = false;
  // Each run fires jitter_delay(name, due, jitter) after its instant: in [0, jitter), the same
  // for the same schedule and instant on every start, so the run's request_id stays its instant.
  std::chrono::seconds jitter{0};
  // How many finished runs of each kind the journal keeps; older ones are pruned.
  unsigned history_succeeded = 3;
  unsigned history_failed = 1;
  // config: from the config file (read-only to the API but for pause, resume and run-now);
  // api: created over the API and kept in the journal (JobStore::put_schedule()).
  enum class Origin { config, api } origin = Origin::config;
  std::string requester;   // api: who created (or last updated) it
  std::string defined_in;  // config: the config file (in messages)
};

// A finished or running run of a schedule, as the journal has it (newest first in a status).
struct ScheduleRun {
  std::string batch;
  std::string request_id;
  std::optional<std::chrono::sys_seconds> due;  // absent for a run-now
  bool now = false;                             // submitted by run_now()
  std::string result;                           // running, succeeded, failed
};

struct ScheduleStatus {
  std::string name;
  std::string cron;
  std::string tz;
  bool paused = false;
  std::shared_ptr<const ScheduleSpec> spec;          // the definition
  std::optional<std::chrono::sys_seconds> next;      // the next instant it fires, if any
  std::chrono::seconds next_delay{0};                // that instant's jitter delay
  std::optional<std::chrono::sys_seconds> last_due;  // the instant of the last run submitted
  std::string last_batch;                            // that run's batch id
  std::chrono::seconds last_lateness{0};             // how long after its instant it was submitted
  unsigned runs = 0;                                 // submitted by this daemon since it started
  unsigned skipped = 0;              // due while the previous run still ran (forbid)
  unsigned missed = 0;               // due outside the catch-up window
  unsigned failed = 0;               // the batch manager refused the run (its message was logged)
  std::vector<ScheduleRun> history;  // get() only: the runs in the journal, newest first
};

// Who a schedule's runs stop things as: the BatchAccess of its creator (a scoped token keeps its
// scopes in every run), or nullptr to refuse the run with the message in `why`.
using ScheduleRunAccess =
    std::function<std::unique_ptr<BatchAccess>(const ScheduleSpec& spec, std::string& why)>;

class Scheduler {
 public:
  static constexpr std::chrono::seconds kMaxSleep{60};
  static constexpr std::size_t kMaxPlanBytes = 512 * 1024;  // an API schedule's plan
  static constexpr std::chrono::seconds kMinApiCatchUp{30};
  static constexpr std::chrono::seconds kMaxCatchUp{30 * 24 * 3600};
  static constexpr std::chrono::seconds kMaxJitter{24 * 3600};
  static constexpr unsigned kMaxHistory = 100;

  // Checks every spec: its name, cron, zone and plan (parsed). Throws std::invalid_argument
  // naming the schedule and the field ("schedules.nightly.cron: minute field '61': …"), or a
  // duplicate name. `batches` outlives the scheduler; `clock` should be the dispatcher's.
  // With a `store`, the schedules created over the API come from it (a name there and in `specs`
  // throws, naming both), and a config schedule paused or resumed over the API takes that state
  // from it; changes are written to it before they take effect.
  Scheduler(BatchManager& batches, std::shared_ptr<HostClock> clock,
            std::vector<ScheduleSpec> specs, JobStore* store = nullptr,
            ScheduleRunAccess run_access = {});
  ~Scheduler();  // stop()
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Catches up what was missed (within each catch-up window), then runs on its own thread.
  void start();
  // Stops firing; a submit in progress finishes first. Idempotent.
  void stop();

  std::vector<ScheduleStatus> list() const;  // by name
  // One schedule with its history; nullopt if there is none.
  std::optional<ScheduleStatus> get(const std::string& name) const;

  // The API's changes. Each validates (sdk::StopError invalid_argument naming the field: "cron:
  // minute field '61': …"), writes the journal, and takes effect at once (the scheduler's thread
  // re-arms its timer). not_found for an unknown name; failed_precondition for update() or
  // remove() of a config schedule; already_exists as failed_precondition for add() of a name in
  // use. Throw JournalError when the journal fails (nothing changed then).
  // add() refuses a schedule past this many in all, the config's and the API's together, with
  // failed_precondition (the config file allows as many: its schema's maxItems).
  static constexpr std::size_t kMaxSchedules = 10'000;
  ScheduleStatus add(ScheduleSpec spec);
  // `unchanged`, when given, is asked under the scheduler's lock, with the schedule as it is
  // then, whether it is still as the caller read it: if not, nothing changes and update() throws
  // Changed (a read-modify-write that lost to another writer: read again and retry).
  struct Changed : std::runtime_error {
    using std::runtime_error::runtime_error;
  };
  ScheduleStatus update(ScheduleSpec spec,
                        const std::function<bool(const ScheduleStatus& now)>& unchanged = {});
  // Also deletes an API schedule of the journal that could not be loaded at start.
  void remove(const std::string& name);
  ScheduleStatus set_paused(const std::string& name, bool paused, const std::string& requester);
  // Submits a run now (request_id run_now_request_id(name, now)), overlap applied as to a
  // calendar run (forbid: failed_precondition naming the running batch). Returns the batch.
  BatchView run_now(const std::string& name);

  // Throws sdk::StopError(invalid_argument) naming the field of what is wrong with `spec` as the
  // API would take it (the plan only parsed, not expanded).
  static void validate(const ScheduleSpec& spec);
  static nlohmann::json to_json(const ScheduleSpec& spec);  // the journal's `spec` column
  static ScheduleSpec from_json(const std::string& name, const nlohmann::json& spec);

  // The request_id of a schedule's run due at `due`.
  static std::string run_request_id(const std::string& name, std::chrono::sys_seconds due);
  // The request_id of a run_now() at `at`.
  static std::string run_now_request_id(const std::string& name, std::chrono::sys_seconds at);
  // A run's delay after its instant: FNV-1a of the name and the instant, modulo `jitter`.
  static std::chrono::seconds jitter_delay(const std::string& name, std::chrono::sys_seconds due,
                                           std::chrono::seconds jitter);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace stopd::core
