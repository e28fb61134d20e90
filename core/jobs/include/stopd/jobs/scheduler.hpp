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
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "stopd/core/host_clock.hpp"
#include "stopd/jobs/batch_manager.hpp"

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
};

struct ScheduleStatus {
  std::string name;
  std::string cron;
  std::string tz;
  bool paused = false;
  std::optional<std::chrono::sys_seconds> next;      // the next instant it fires, if any
  std::optional<std::chrono::sys_seconds> last_due;  // the instant of the last run submitted
  std::string last_batch;                            // that run's batch id
  std::chrono::seconds last_lateness{0};             // how long after its instant it was submitted
  unsigned runs = 0;                                 // submitted by this daemon since it started
  unsigned skipped = 0;  // due while the previous run still ran (forbid)
  unsigned missed = 0;   // due outside the catch-up window
  unsigned failed = 0;   // the batch manager refused the run (its message was logged)
};

class Scheduler {
 public:
  static constexpr std::chrono::seconds kMaxSleep{60};

  // Checks every spec: its name, cron, zone and plan (parsed). Throws std::invalid_argument
  // naming the schedule and the field ("schedules.nightly.cron: minute field '61': …"), or a
  // duplicate name. `batches` outlives the scheduler; `clock` should be the dispatcher's.
  Scheduler(BatchManager& batches, std::shared_ptr<HostClock> clock,
            std::vector<ScheduleSpec> specs);
  ~Scheduler();  // stop()
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Catches up what was missed (within each catch-up window), then runs on its own thread.
  void start();
  // Stops firing; a submit in progress finishes first. Idempotent.
  void stop();

  std::vector<ScheduleStatus> list() const;

  // The request_id of a schedule's run due at `due`.
  static std::string run_request_id(const std::string& name, std::chrono::sys_seconds due);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace stopd::core
