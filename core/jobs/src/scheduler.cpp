#include "stopd/jobs/scheduler.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "stopd/batch/batch_plan.hpp"
#include "stopd/core/bounded_json.hpp"
#include "stopd/core/logging.hpp"
#include "stopd/schedule/calendar.hpp"
#include "stopd/sdk/outcome.hpp"

namespace stopd::core {
namespace {

namespace chrono = std::chrono;
using Instant = chrono::sys_seconds;

// A runaway (a `* * * * *` schedule after a year asleep) is counted up to here, not further.
constexpr unsigned kMaxCountedMisses = 1'000'000;
// A run this late is on time whatever catch_up says: a timer fires a little after its instant.
constexpr chrono::seconds kOnTime{30};
// How many runs, newest first, are read to find a schedule's last run and its history: of all
// schedules at start() and at a wake, of the one schedule otherwise. Read without their plans
// and item records (BatchManager::list_runs), so a history of large batches costs no more.
constexpr std::size_t kRecentRuns = 1000;
// Runs due at one wake are submitted by up to this many threads at once: a submit is journal
// reads, a plan's parse and commits, about 1 ms, so a thousand schedules due at 19:00 would
// otherwise start one after another over a second. Together their commits share group commits.
constexpr std::size_t kSubmitters = 4;

using sdk::Code;
using sdk::StopError;

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-'))
      return false;
  return true;
}

std::string utc_text(Instant at) {
  const std::time_t seconds = chrono::system_clock::to_time_t(at);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  const std::size_t length = std::strftime(text, sizeof text, "%FT%TZ", &utc);
  return std::string(text, length);
}

std::string overlap_name(ScheduleSpec::Overlap overlap) {
  return overlap == ScheduleSpec::Overlap::replace ? "replace" : "forbid";
}

std::string config_file(const ScheduleSpec& spec) {
  return spec.defined_in.empty() ? std::string() : " " + spec.defined_in;
}

// "succeeded", "failed" (an item failed, or the batch was cancelled or halted) or "running".
std::string run_result(const BatchView& batch) {
  if (!batch.finished) return "running";
  const nlohmann::json& summary = batch.summary;
  const bool failed = summary.value("failed", 0) > 0 || summary.value("cancelled", false) ||
                      summary.value("halted", false);
  return failed ? "failed" : "succeeded";
}

}  // namespace

struct Scheduler::State : std::enable_shared_from_this<Scheduler::State> {
  State(BatchManager& batches_, std::shared_ptr<HostClock> clock_, JobStore* store_,
        ScheduleRunAccess run_access_)
      : batches(batches_),
        clock(std::move(clock_)),
        store(store_),
        run_access(std::move(run_access_)) {}

  struct Entry {
    std::shared_ptr<const ScheduleSpec> spec;
    Calendar calendar;
    ScheduleStatus status;
    std::optional<Instant> next_due;  // the earliest instant not yet handled
    std::string running_batch;        // the last run's batch, until it is seen finished
    bool paused = false;
  };

  BatchManager& batches;
  const std::shared_ptr<HostClock> clock;
  JobStore* const store;
  const ScheduleRunAccess run_access;
  // Held by the loop while it handles what is due, and by every change (add, update, …): a
  // change never races a run, and takes effect at the wake it posts.
  mutable std::mutex work_mutex;
  // The map (changed under both mutexes) and every entry's status: what list() and get() read.
  std::map<std::string, std::shared_ptr<Entry>> entries;
  mutable std::mutex mutex;

  boost::asio::io_context loop;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
  std::unique_ptr<HostClock::Timer> timer;
  std::thread thread;
  bool stopped = false;  // loop thread only

  Instant wall_now() const { return chrono::floor<chrono::seconds>(clock->wall_now()); }

  Instant fire_at(const Entry& entry, Instant due) const {
    return due + jitter_delay(entry.spec->name, due, entry.spec->jitter);
  }

  // Any thread: the loop re-reads every schedule now.
  void poke() {
    if (!thread.joinable()) return;
    boost::asio::post(loop, [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->wake();
    });
  }

  // Loop thread only. Handles what is due on every schedule, then sleeps until the next instant
  // (at most kMaxSleep: the wall clock may jump).
  void wake() {
    if (stopped) return;
    std::lock_guard work_lock(work_mutex);
    const Instant now = wall_now();
    std::optional<Instant> earliest;
    std::vector<std::pair<Entry*, Instant>> due;
    for (auto& [name, entry] : entries) {  // changed only under work_mutex, which this holds
      if (const auto instant = handle(*entry, now)) due.emplace_back(entry.get(), *instant);
      std::lock_guard lock(mutex);
      set_next(*entry);
      if (entry->status.next) {
        const Instant at = *entry->status.next + entry->status.next_delay;
        if (!earliest || at < *earliest) earliest = at;
      }
    }
    const std::vector<Entry*> ran = run_all(due, now);
    // Runs beyond the history limits: one read of the journal for all that ran, after they
    // were all submitted (the runs due together are not held up by it).
    if (!ran.empty() && store != nullptr) {
      const std::vector<BatchView> recent = recent_runs();
      for (Entry* entry : ran) prune(*entry, recent);
    }
    // Steady first, then wall: if the clock moves between the two readings, the timer is set
    // early (the next wake finds nothing due and sleeps again), never late.
    const auto steady = clock->steady_now();
    const auto wall = clock->wall_now();
    auto at = steady + kMaxSleep;
    if (earliest)
      at = std::min(at, steady + chrono::duration_cast<HostClock::Steady::duration>(
                                     *earliest - chrono::time_point_cast<Instant::duration>(wall)));
    timer->arm(at, [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->wake();
    });
  }

  // Under mutex.
  static void set_next(Entry& entry) {
    entry.status.paused = entry.paused;
    entry.status.next = entry.paused ? std::nullopt : entry.next_due;
    entry.status.next_delay =
        entry.status.next ? jitter_delay(entry.spec->name, *entry.status.next, entry.spec->jitter)
                          : chrono::seconds(0);
  }

  // Runs each of `due` (an entry and its instant), on up to kSubmitters threads when there are
  // several: each touches only its own entry, the status under `mutex` and the thread-safe batch
  // manager. Returns the entries whose run was submitted. Under work_mutex, which the threads
  // never take.
  std::vector<Entry*> run_all(const std::vector<std::pair<Entry*, Instant>>& due, Instant now) {
    std::vector<char> submitted(due.size(), 0);
    std::atomic<std::size_t> next{0};
    const auto take_runs = [&] {
      for (std::size_t i = next++; i < due.size(); i = next++) {
        Entry& entry = *due[i].first;
        try {
          submitted[i] = run(entry, due[i].second, now) ? 1 : 0;
        } catch (const std::exception& e) {  // the journal's reads before the submit
          host_logger()->error("schedule={} run due={} failed: {}", entry.spec->name,
                               utc_text(due[i].second), e.what());
          std::lock_guard lock(mutex);
          ++entry.status.failed;
        }
      }
    };
    std::vector<std::thread> helpers;
    for (std::size_t t = 1; t < std::min(kSubmitters, due.size()); ++t)
      helpers.emplace_back(take_runs);
    take_runs();
    for (std::thread& helper : helpers) helper.join();
    std::vector<Entry*> ran;
    for (std::size_t i = 0; i < due.size(); ++i)
      if (submitted[i]) ran.push_back(due[i].first);
    return ran;
  }

  // The instant to run now, if one is due (counting what was missed before it).
  std::optional<Instant> handle(Entry& entry, Instant now) {
    if (entry.paused || !entry.next_due || fire_at(entry, *entry.next_due) > now)
      return std::nullopt;
    // Every instant due by now: the latest may run, the others are missed.
    Instant latest = *entry.next_due;
    unsigned older = 0;
    while (older < kMaxCountedMisses) {
      const auto after = entry.calendar.next_after(latest);
      if (!after || fire_at(entry, *after) > now) break;
      latest = *after;
      ++older;
    }
    entry.next_due = entry.calendar.next_after(latest);
    const bool in_window =
        now - fire_at(entry, latest) <= std::max<chrono::seconds>(entry.spec->catch_up, kOnTime);
    const unsigned missed = older + (in_window ? 0 : 1);
    if (missed > 0) {
      host_logger()->warn(
          "schedule={} {} run(s) missed (due while stopd was not running, or more than {} s "
          "before it woke); the latest was due at {}",
          entry.spec->name, missed, entry.spec->catch_up.count(), utc_text(latest));
      std::lock_guard lock(mutex);
      entry.status.missed += missed;
    }
    if (!in_window) return std::nullopt;
    return latest;
  }

  // Whether a run may start now (overlap). Throws StopError(failed_precondition) for forbid when
  // `refuse` (run-now); otherwise returns false for a run to skip.
  bool clear_overlap(Entry& entry, const std::string& what, bool refuse) {
    if (entry.running_batch.empty()) return true;
    const auto previous = batches.get(entry.running_batch);
    if (!previous || previous->finished) {
      entry.running_batch.clear();
      return true;
    }
    const ScheduleSpec& spec = *entry.spec;
    if (spec.overlap == ScheduleSpec::Overlap::forbid) {
      if (refuse)
        throw StopError(Code::failed_precondition,
                        "schedule " + spec.name + ": its previous run (batch " + previous->id +
                            ") is still running, and its overlap is forbid");
      host_logger()->warn(
          "schedule={} run {} skipped: the previous run (batch={}) is still running "
          "(overlap: forbid)",
          spec.name, what, previous->id);
      std::lock_guard lock(mutex);
      ++entry.status.skipped;
      return false;
    }
    host_logger()->info("schedule={} run {} cancels the previous run batch={} (overlap: replace)",
                        spec.name, what, previous->id);
    try {
      batches.cancel(previous->id);
    } catch (const std::exception& e) {
      host_logger()->warn("schedule={} cancelling batch={}: {}", spec.name, previous->id, e.what());
    }
    return true;
  }

  BatchView submit(Entry& entry, const std::string& request_id) {
    const ScheduleSpec& spec = *entry.spec;
    BatchSubmission submission;
    submission.plan = spec.plan;
    submission.source = spec.plan_source;
    submission.requester = "schedule:" + spec.name;
    submission.request_id = request_id;
    if (run_access) {
      std::string why;
      const std::unique_ptr<BatchAccess> access = run_access(spec, why);
      if (!access) throw StopError(Code::permission_denied, why);
      return batches.submit(std::move(submission), *access);
    }
    return batches.submit(std::move(submission));
  }

  // Whether a run was submitted.
  bool run(Entry& entry, Instant due, Instant now) {
    const ScheduleSpec& spec = *entry.spec;
    const std::string request_id = run_request_id(spec.name, due);
    if (const auto earlier = batches.find_by_request_id(request_id)) {
      // Submitted before (a restart inside the catch-up window): the journal has it.
      host_logger()->info("schedule={} run due={} is batch={} already (submitted before)",
                          spec.name, utc_text(due), earlier->id);
      remember(entry, due, earlier->id, earlier->finished);
      return false;
    }
    if (!clear_overlap(entry, "due=" + utc_text(due), false)) return false;
    try {
      const BatchView batch = submit(entry, request_id);
      host_logger()->info("schedule={} run due={} started batch={} late_s={}", spec.name,
                          utc_text(due), batch.id, (now - due).count());
      remember(entry, due, batch.id, batch.finished);
      {
        std::lock_guard lock(mutex);
        ++entry.status.runs;
        entry.status.last_lateness = now - fire_at(entry, due);
      }
      return true;
    } catch (const std::exception& e) {
      host_logger()->error("schedule={} run due={} was refused: {}", spec.name, utc_text(due),
                           e.what());
      std::lock_guard lock(mutex);
      ++entry.status.failed;
    }
    return false;
  }

  void remember(Entry& entry, Instant due, const std::string& batch, bool finished) {
    entry.running_batch = finished ? std::string() : batch;
    std::lock_guard lock(mutex);
    entry.status.last_due = due;
    entry.status.last_batch = batch;
  }

  // The runs of `name` among the journal's newest batches (`recent`, newest first), newest first.
  // The newest runs of every schedule, or of the one called `name`: batches whose request_id
  // starts "schedule/" (run_request_id()).
  std::vector<BatchView> recent_runs(const std::string& name = {}) const {
    return batches.list_runs(name.empty() ? "schedule/" : "schedule/" + name + "/", kRecentRuns);
  }

  static std::vector<ScheduleRun> runs_of(const std::string& name,
                                          const std::vector<BatchView>& recent) {
    const std::string prefix = "schedule/" + name + "/";
    std::vector<ScheduleRun> runs;
    for (const BatchView& batch : recent) {
      if (batch.request_id.rfind(prefix, 0) != 0) continue;
      ScheduleRun run;
      run.batch = batch.id;
      run.request_id = batch.request_id;
      std::string rest = batch.request_id.substr(prefix.size());
      if (rest.rfind("now/", 0) == 0) {
        run.now = true;
        rest.erase(0, 4);
      }
      try {
        std::size_t used = 0;
        const long long seconds = std::stoll(rest, &used);
        if (used != rest.size()) continue;  // another schedule's ("a/b" is no name)
        if (!run.now) run.due = Instant(chrono::seconds(seconds));
      } catch (const std::exception&) {
        continue;
      }
      run.result = run_result(batch);
      runs.push_back(std::move(run));
    }
    return runs;
  }

  // Deletes the finished runs of `entry` beyond its history limits from the journal.
  void prune(Entry& entry, const std::vector<BatchView>& recent) {
    if (store == nullptr) return;
    unsigned succeeded = 0;
    unsigned failed = 0;
    std::vector<std::string> old;
    for (const ScheduleRun& run : runs_of(entry.spec->name, recent)) {
      if (run.result == "succeeded" && ++succeeded > entry.spec->history_succeeded)
        old.push_back(run.batch);
      if (run.result == "failed" && ++failed > entry.spec->history_failed) old.push_back(run.batch);
    }
    if (old.empty()) return;
    try {
      const std::size_t deleted = store->delete_finished_batches(old);
      host_logger()->info("schedule={} pruned {} finished run(s) beyond its history limits",
                          entry.spec->name, deleted);
    } catch (const std::exception& e) {
      host_logger()->warn("schedule={} pruning old runs: {}", entry.spec->name, e.what());
    }
  }

  // The first instant whose run fires after `now`: one due a little before `now` whose jitter
  // delay has not yet passed is still to run (a restart between an instant and its delayed
  // run computes the same delay and runs it then, under the instant's request_id).
  std::optional<Instant> first_firing_after(const Entry& entry, Instant now) const {
    std::optional<Instant> due = entry.calendar.next_after(now - entry.spec->jitter);
    while (due && fire_at(entry, *due) <= now) due = entry.calendar.next_after(*due);
    return due;
  }

  // Under work_mutex, before the loop runs (start()) or as a change: where the schedule stands.
  void place(Entry& entry, Instant now, const std::vector<BatchView>& recent) {
    const std::vector<ScheduleRun> runs = runs_of(entry.spec->name, recent);
    const ScheduleRun* last = nullptr;  // the last calendar run
    for (const ScheduleRun& run : runs)
      if (!run.now) {
        last = &run;
        break;
      }
    // A run still going (the newest, calendar or run-now) is the one overlap is judged against.
    if (!runs.empty() && runs.front().result == "running") entry.running_batch = runs.front().batch;
    if (last != nullptr) {
      // What came due since its last run: the latest inside the window runs at the first wake,
      // the rest are missed.
      entry.next_due = entry.calendar.next_after(*last->due);
      entry.status.last_due = last->due;
      entry.status.last_batch = last->batch;
    } else {
      // Never ran (or not among the newest kRecentRuns runs): nothing before now is owed;
      // a schedule added at 19:03 does not fire for 19:00 (unless its jitter delays that run
      // past 19:03).
      entry.next_due = first_firing_after(entry, now);
    }
  }

  std::shared_ptr<Entry> make_entry(ScheduleSpec spec) const {
    Calendar calendar(CronExpression::parse(spec.cron), spec.tz);
    ScheduleStatus status;
    status.name = spec.name;
    status.cron = spec.cron;
    status.tz = calendar.zone_name();
    const bool paused = spec.paused;
    status.paused = paused;
    auto shared = std::make_shared<const ScheduleSpec>(std::move(spec));
    status.spec = shared;
    return std::make_shared<Entry>(
        Entry{shared, std::move(calendar), std::move(status), {}, {}, paused});
  }

  std::shared_ptr<Entry> find(const std::string& name) const {
    std::lock_guard lock(mutex);
    auto it = entries.find(name);
    if (it == entries.end())
      throw StopError(Code::not_found, "schedule " + text_excerpt(name) + " not found");
    return it->second;
  }

  void install(std::shared_ptr<Entry> entry) {
    std::lock_guard lock(mutex);
    set_next(*entry);
    const std::string name = entry->spec->name;
    entries[name] = std::move(entry);
  }

  ScheduleRow row_of(const ScheduleSpec& spec) const {
    ScheduleRow row;
    row.name = spec.name;
    row.origin = spec.origin == ScheduleSpec::Origin::api ? "api" : "config";
    if (spec.origin == ScheduleSpec::Origin::api) row.spec = to_json(spec);
    row.paused = spec.paused;
    row.requester = spec.requester;
    row.created = row.updated = chrono::floor<chrono::milliseconds>(clock->wall_now());
    return row;
  }
};

std::string Scheduler::run_request_id(const std::string& name, chrono::sys_seconds due) {
  return "schedule/" + name + "/" + std::to_string(due.time_since_epoch().count());
}

std::string Scheduler::run_now_request_id(const std::string& name, chrono::sys_seconds at) {
  return "schedule/" + name + "/now/" + std::to_string(at.time_since_epoch().count());
}

chrono::seconds Scheduler::jitter_delay(const std::string& name, chrono::sys_seconds due,
                                        chrono::seconds jitter) {
  if (jitter <= chrono::seconds(0)) return chrono::seconds(0);
  // FNV-1a, 64 bits: the same on every build and start (std::hash promises neither).
  std::uint64_t hash = 14695981039346656037ULL;
  const auto mix = [&](std::string_view bytes) {
    for (const char c : bytes) {
      hash ^= static_cast<unsigned char>(c);
      hash *= 1099511628211ULL;
    }
  };
  mix(name);
  mix("/");
  mix(std::to_string(due.time_since_epoch().count()));
  return chrono::seconds(static_cast<long long>(hash % static_cast<std::uint64_t>(jitter.count())));
}

void Scheduler::validate(const ScheduleSpec& spec) {
  const auto bad = [](const std::string& message) {
    throw StopError(Code::invalid_argument, message);
  };
  if (!valid_name(spec.name))
    bad("name: expected 1 to 64 letters, digits, '.', '_' or '-', got '" + text_excerpt(spec.name) +
        "'");
  if (spec.cron.empty()) bad("cron: required (five fields, or a macro such as @daily)");
  try {
    Calendar calendar(CronExpression::parse(spec.cron), spec.tz);
  } catch (const CronError& e) {
    bad(e.what());  // "cron: …" or "tz: …"
  }
  if (spec.catch_up < kMinApiCatchUp || spec.catch_up > kMaxCatchUp)
    bad("catch_up_seconds: " + std::to_string(spec.catch_up.count()) + ": expected " +
        std::to_string(kMinApiCatchUp.count()) + " to " + std::to_string(kMaxCatchUp.count()) +
        " (a run up to 30 s late is on time anyway)");
  if (spec.jitter < chrono::seconds(0) || spec.jitter > kMaxJitter)
    bad("jitter_seconds: " + std::to_string(spec.jitter.count()) + ": expected 0 to " +
        std::to_string(kMaxJitter.count()));
  if (spec.history_succeeded > kMaxHistory)
    bad("history.succeeded: " + std::to_string(spec.history_succeeded) + ": expected 0 to " +
        std::to_string(kMaxHistory));
  if (spec.history_failed > kMaxHistory)
    bad("history.failed: " + std::to_string(spec.history_failed) + ": expected 0 to " +
        std::to_string(kMaxHistory));
  if (spec.plan.empty()) bad("plan: required (the plan's JSON or YAML text)");
  if (spec.plan.size() > kMaxPlanBytes)
    bad("plan: " + std::to_string(spec.plan.size()) + " bytes; at most " +
        std::to_string(kMaxPlanBytes) + " (use selectors rather than listing every target)");
  try {
    parse_batch_plan(spec.plan, spec.plan_source.empty() ? "plan" : spec.plan_source);
  } catch (const PlanError& e) {
    std::string message = "plan:";
    for (const std::string& problem : e.problems()) message += "\n" + problem;
    if (e.problems().empty()) message += std::string(" ") + e.what();
    bad(message);
  } catch (const std::exception& e) {
    bad(std::string("plan: ") + e.what());
  }
}

nlohmann::json Scheduler::to_json(const ScheduleSpec& spec) {
  return {{"cron", spec.cron},
          {"tz", spec.tz},
          {"plan", spec.plan},
          {"plan_source", spec.plan_source},
          {"overlap", overlap_name(spec.overlap)},
          {"catch_up_s", spec.catch_up.count()},
          {"jitter_s", spec.jitter.count()},
          {"history", {{"succeeded", spec.history_succeeded}, {"failed", spec.history_failed}}}};
}

ScheduleSpec Scheduler::from_json(const std::string& name, const nlohmann::json& json) {
  ScheduleSpec spec;
  spec.name = name;
  spec.origin = ScheduleSpec::Origin::api;
  spec.cron = json.at("cron").get<std::string>();
  spec.tz = json.value("tz", "");
  spec.plan = json.at("plan").get<std::string>();
  spec.plan_source = json.value("plan_source", "");
  spec.overlap = json.value("overlap", "forbid") == "replace" ? ScheduleSpec::Overlap::replace
                                                              : ScheduleSpec::Overlap::forbid;
  spec.catch_up = chrono::seconds(json.value("catch_up_s", 300));
  spec.jitter = chrono::seconds(json.value("jitter_s", 0));
  if (const auto it = json.find("history"); it != json.end()) {
    spec.history_succeeded = it->value("succeeded", 3u);
    spec.history_failed = it->value("failed", 1u);
  }
  return spec;
}

Scheduler::Scheduler(BatchManager& batches, std::shared_ptr<HostClock> clock,
                     std::vector<ScheduleSpec> specs, JobStore* store, ScheduleRunAccess run_access)
    : state_(std::make_shared<State>(batches, clock ? std::move(clock) : real_host_clock(), store,
                                     std::move(run_access))) {
  std::map<std::string, ScheduleRow> rows;
  if (store != nullptr)
    for (ScheduleRow& row : store->list_schedules()) rows.emplace(row.name, std::move(row));
  for (ScheduleSpec& spec : specs) {
    const std::string key = "schedules." + (valid_name(spec.name) ? spec.name : "name");
    if (!valid_name(spec.name))
      throw std::invalid_argument(key + ": expected 1 to 64 letters, digits, '.', '_' or '-'");
    if (state_->entries.contains(spec.name))
      throw std::invalid_argument(key + ": a second schedule with this name");
    if (spec.catch_up < chrono::seconds(0))
      throw std::invalid_argument(key + ".catch_up: must not be negative");
    if (spec.jitter < chrono::seconds(0))
      throw std::invalid_argument(key + ".jitter_seconds: must not be negative");
    if (const auto row = rows.find(spec.name); row != rows.end()) {
      if (row->second.origin == "api")
        throw std::invalid_argument(
            key +
            ": defined in the config file and also created over the API (kept in the "
            "journal " +
            store->file().string() + " by " + row->second.requester +
            "); rename the config's, or delete the API's (stopctl schedules delete " + spec.name +
            ", with the config's removed first)");
      spec.paused = row->second.paused;  // paused or resumed over the API
      rows.erase(row);
    }
    try {
      parse_batch_plan(spec.plan, spec.plan_source);
    } catch (const std::exception& e) {
      throw std::invalid_argument(key + ".plan: " + e.what());
    }
    try {
      const std::string name = spec.name;
      state_->entries.emplace(name, state_->make_entry(std::move(spec)));
    } catch (const CronError& e) {
      const std::string what = e.what();  // "cron: …" or "tz: …"
      throw std::invalid_argument(key + "." + what);
    }
  }
  for (auto& [name, row] : rows) {
    if (row.origin != "api") continue;  // the pause state of a config schedule that is gone
    try {
      ScheduleSpec spec = from_json(name, row.spec);
      spec.paused = row.paused;
      spec.requester = row.requester;
      validate(spec);
      state_->entries.emplace(name, state_->make_entry(std::move(spec)));
    } catch (const std::exception& e) {
      // Not a reason to stop the daemon (a zone the tz database dropped): logged, kept.
      host_logger()->error(
          "schedule={} in the journal cannot be loaded and does not run: {} (delete it with "
          "stopctl schedules delete {})",
          name, e.what(), name);
    }
  }
  state_->timer = state_->clock->make_timer(state_->loop);
}

Scheduler::~Scheduler() {
  stop();
}

void Scheduler::start() {
  State& s = *state_;
  if (s.thread.joinable()) return;
  {
    std::lock_guard work_lock(s.work_mutex);
    const Instant now = s.wall_now();
    // The journal's newest batches, read once for every schedule (10,000 of them start fast).
    const std::vector<BatchView> recent = s.recent_runs();
    for (auto& [name, entry] : s.entries) {
      s.place(*entry, now, recent);
      s.prune(*entry, recent);
    }
  }
  s.work.emplace(boost::asio::make_work_guard(s.loop));
  boost::asio::post(s.loop, [&s] { s.wake(); });
  s.thread = std::thread([&s] { s.loop.run(); });
}

void Scheduler::stop() {
  State& s = *state_;
  if (!s.thread.joinable()) return;
  boost::asio::post(s.loop, [&s] {
    s.stopped = true;
    s.timer->cancel();
    s.work.reset();
    s.loop.stop();
  });
  s.thread.join();
}

std::vector<ScheduleStatus> Scheduler::list() const {
  std::lock_guard lock(state_->mutex);
  std::vector<ScheduleStatus> out;
  for (const auto& [name, entry] : state_->entries) out.push_back(entry->status);
  return out;
}

std::optional<ScheduleStatus> Scheduler::get(const std::string& name) const {
  ScheduleStatus status;
  {
    std::lock_guard lock(state_->mutex);
    const auto it = state_->entries.find(name);
    if (it == state_->entries.end()) return std::nullopt;
    status = it->second->status;
  }
  status.history = State::runs_of(name, state_->recent_runs(name));
  return status;
}

ScheduleStatus Scheduler::add(ScheduleSpec spec) {
  State& s = *state_;
  spec.origin = ScheduleSpec::Origin::api;
  validate(spec);
  std::lock_guard work_lock(s.work_mutex);
  {
    std::lock_guard lock(s.mutex);
    if (const auto it = s.entries.find(spec.name); it != s.entries.end())
      throw StopError(Code::failed_precondition,
                      "name: a schedule named " + spec.name + " exists already (" +
                          (it->second->spec->origin == ScheduleSpec::Origin::config
                               ? "in the config file" + config_file(*it->second->spec)
                               : "created over the API by " + it->second->spec->requester) +
                          ")");
    // Each schedule costs the loop a little on every wake, and its plan up to 512 KiB of
    // memory and journal: a caller cannot make that unbounded.
    if (s.entries.size() >= kMaxSchedules)
      throw StopError(Code::failed_precondition,
                      "stopd keeps at most " + std::to_string(kMaxSchedules) +
                          " schedules, the config file's and the API's together, and has " +
                          std::to_string(s.entries.size()) + "; delete one first");
  }
  if (s.store != nullptr) s.store->put_schedule(s.row_of(spec));
  auto entry = s.make_entry(std::move(spec));
  // A run of an earlier schedule of this name still going.
  s.place(*entry, s.wall_now(), s.recent_runs(entry->spec->name));
  entry->next_due = s.first_firing_after(*entry, s.wall_now());  // owes nothing from before
  const ScheduleStatus status = entry->status;
  s.install(std::move(entry));
  host_logger()->info("schedule={} created by={}", status.name, status.spec->requester);
  s.poke();
  return *get(status.name);
}

ScheduleStatus Scheduler::update(ScheduleSpec spec,
                                 const std::function<bool(const ScheduleStatus& now)>& unchanged) {
  State& s = *state_;
  spec.origin = ScheduleSpec::Origin::api;
  std::lock_guard work_lock(s.work_mutex);
  const std::shared_ptr<State::Entry> old = s.find(spec.name);
  if (old->spec->origin == ScheduleSpec::Origin::config)
    throw StopError(Code::failed_precondition,
                    "schedule " + spec.name + " is defined in the config file" +
                        config_file(*old->spec) +
                        "; change it there (and restart stopd). Over the API it may only be "
                        "paused, resumed or run now");
  if (unchanged) {
    ScheduleStatus now;
    {
      std::lock_guard lock(s.mutex);
      now = old->status;
    }
    // Every change of a schedule (update, pause, resume) takes the work lock: what `now` shows
    // stays true until this update is installed.
    if (!unchanged(now))
      throw Changed("schedule " + spec.name +
                    " changed since it was read (updated, paused or resumed by another client); "
                    "nothing was changed: read it again and retry");
  }
  validate(spec);
  spec.requester = old->spec->requester;  // its runs keep their creator's scopes
  if (s.store != nullptr) s.store->put_schedule(s.row_of(spec));
  auto entry = s.make_entry(std::move(spec));
  {
    std::lock_guard lock(s.mutex);
    entry->status.runs = old->status.runs;
    entry->status.skipped = old->status.skipped;
    entry->status.missed = old->status.missed;
    entry->status.failed = old->status.failed;
    entry->status.last_lateness = old->status.last_lateness;
  }
  // From now on: a new calendar owes nothing from before the change.
  entry->running_batch = old->running_batch;
  entry->next_due = s.first_firing_after(*entry, s.wall_now());
  entry->status.last_due = old->status.last_due;
  entry->status.last_batch = old->status.last_batch;
  const std::string name = entry->spec->name;
  host_logger()->info("schedule={} updated by={}", name, entry->spec->requester);
  s.install(std::move(entry));
  s.poke();
  return *get(name);
}

void Scheduler::remove(const std::string& name) {
  State& s = *state_;
  std::lock_guard work_lock(s.work_mutex);
  bool loaded = false;
  {
    std::lock_guard lock(s.mutex);
    loaded = s.entries.contains(name);
  }
  if (!loaded && s.store != nullptr) {
    // One the journal has and this start could not load (logged at start): deleting it is the
    // way out.
    const auto row = s.store->get_schedule(name);
    if (row && row->origin == "api" && s.store->delete_schedule(name)) {
      host_logger()->info("schedule={} deleted (it could not be loaded)", name);
      return;
    }
  }
  const std::shared_ptr<State::Entry> entry = s.find(name);
  if (entry->spec->origin == ScheduleSpec::Origin::config)
    throw StopError(Code::failed_precondition,
                    "schedule " + name + " is defined in the config file" +
                        config_file(*entry->spec) +
                        "; remove it there (and restart stopd). Over the API it may only be "
                        "paused, resumed or run now");
  if (s.store != nullptr) s.store->delete_schedule(name);
  {
    std::lock_guard lock(s.mutex);
    s.entries.erase(name);
  }
  host_logger()->info("schedule={} deleted", name);
  s.poke();
}

ScheduleStatus Scheduler::set_paused(const std::string& name, bool paused,
                                     const std::string& requester) {
  State& s = *state_;
  std::lock_guard work_lock(s.work_mutex);
  const std::shared_ptr<State::Entry> entry = s.find(name);
  ScheduleSpec spec = *entry->spec;
  spec.paused = paused;
  if (s.store != nullptr) {
    ScheduleRow row = s.row_of(spec);
    if (spec.origin == ScheduleSpec::Origin::config) row.requester = requester;
    s.store->put_schedule(row);
  }
  if (entry->paused && !paused) {
    // Resumed: what came due while paused is not owed.
    entry->next_due = s.first_firing_after(*entry, s.wall_now());
  }
  entry->paused = paused;
  entry->spec = std::make_shared<const ScheduleSpec>(std::move(spec));
  {
    std::lock_guard lock(s.mutex);
    entry->status.spec = entry->spec;
    State::set_next(*entry);
  }
  host_logger()->info("schedule={} {} by={}", name, paused ? "paused" : "resumed", requester);
  s.poke();
  return *get(name);
}

BatchView Scheduler::run_now(const std::string& name) {
  State& s = *state_;
  std::lock_guard work_lock(s.work_mutex);
  const std::shared_ptr<State::Entry> entry = s.find(name);
  const Instant now = s.wall_now();
  const std::string request_id = run_now_request_id(name, now);
  if (const auto earlier = s.batches.find_by_request_id(request_id)) return *earlier;
  s.clear_overlap(*entry, "now", true);
  const BatchView batch = s.submit(*entry, request_id);
  host_logger()->info("schedule={} run now started batch={}", name, batch.id);
  entry->running_batch = batch.finished ? std::string() : batch.id;
  s.prune(*entry, s.recent_runs(entry->spec->name));
  return batch;
}

}  // namespace stopd::core
