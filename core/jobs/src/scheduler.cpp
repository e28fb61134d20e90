#include "stopd/jobs/scheduler.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "stopd/batch/batch_plan.hpp"
#include "stopd/core/logging.hpp"
#include "stopd/schedule/calendar.hpp"

namespace stopd::core {
namespace {

namespace chrono = std::chrono;
using Instant = chrono::sys_seconds;

// A runaway (a `* * * * *` schedule after a year asleep) is counted up to here, not further.
constexpr unsigned kMaxCountedMisses = 1'000'000;
// A run this late is on time whatever catch_up says: a timer fires a little after its instant.
constexpr chrono::seconds kOnTime{30};
// How many of the journal's newest batches start() reads to find each schedule's last run.
constexpr std::size_t kRecentRuns = 1000;

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

}  // namespace

struct Scheduler::State : std::enable_shared_from_this<Scheduler::State> {
  State(BatchManager& batches_, std::shared_ptr<HostClock> clock_)
      : batches(batches_), clock(std::move(clock_)) {}

  struct Entry {
    ScheduleSpec spec;
    Calendar calendar;
    ScheduleStatus status;
    std::optional<Instant> next_due;  // the earliest instant not yet handled
    std::string running_batch;        // the last run's batch, until it is seen finished
  };

  BatchManager& batches;
  const std::shared_ptr<HostClock> clock;
  std::vector<Entry> entries;  // fixed after construction; status guarded by `mutex`
  mutable std::mutex mutex;

  boost::asio::io_context loop;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
  std::unique_ptr<HostClock::Timer> timer;
  std::thread thread;
  bool stopped = false;  // loop thread only

  Instant wall_now() const { return chrono::floor<chrono::seconds>(clock->wall_now()); }

  // Loop thread only. Handles what is due on every schedule, then sleeps until the next instant
  // (at most kMaxSleep: the wall clock may jump).
  void wake() {
    if (stopped) return;
    const Instant now = wall_now();
    std::optional<Instant> earliest;
    for (Entry& entry : entries) {
      handle(entry, now);
      std::lock_guard lock(mutex);
      entry.status.next = entry.spec.paused ? std::nullopt : entry.next_due;
      if (entry.status.next && (!earliest || *entry.status.next < *earliest))
        earliest = entry.status.next;
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

  void handle(Entry& entry, Instant now) {
    if (entry.spec.paused || !entry.next_due || *entry.next_due > now) return;
    // Every instant due by now: the latest may run, the others are missed.
    Instant latest = *entry.next_due;
    unsigned older = 0;
    while (older < kMaxCountedMisses) {
      const auto after = entry.calendar.next_after(latest);
      if (!after || *after > now) break;
      latest = *after;
      ++older;
    }
    entry.next_due = entry.calendar.next_after(latest);
    const bool in_window = now - latest <= std::max<chrono::seconds>(entry.spec.catch_up, kOnTime);
    const unsigned missed = older + (in_window ? 0 : 1);
    if (missed > 0) {
      host_logger()->warn(
          "schedule={} {} run(s) missed (due while stopd was not running, or more than {} s "
          "before it woke); the latest was due at {}",
          entry.spec.name, missed, entry.spec.catch_up.count(), utc_text(latest));
      std::lock_guard lock(mutex);
      entry.status.missed += missed;
    }
    if (in_window) run(entry, latest, now);
  }

  void run(Entry& entry, Instant due, Instant now) {
    const std::string request_id = run_request_id(entry.spec.name, due);
    const std::string late = std::to_string((now - due).count());
    if (const auto earlier = batches.find_by_request_id(request_id)) {
      // Submitted before (a restart inside the catch-up window): the journal has it.
      host_logger()->info("schedule={} run due={} is batch={} already (submitted before)",
                          entry.spec.name, utc_text(due), earlier->id);
      remember(entry, due, earlier->id, earlier->finished);
      return;
    }
    if (!entry.running_batch.empty()) {
      const auto previous = batches.get(entry.running_batch);
      if (previous && !previous->finished) {
        if (entry.spec.overlap == ScheduleSpec::Overlap::forbid) {
          host_logger()->warn(
              "schedule={} run due={} skipped: the previous run (batch={}) is still running "
              "(overlap: forbid)",
              entry.spec.name, utc_text(due), previous->id);
          std::lock_guard lock(mutex);
          ++entry.status.skipped;
          return;
        }
        host_logger()->info(
            "schedule={} run due={} cancels the previous run batch={} "
            "(overlap: replace)",
            entry.spec.name, utc_text(due), previous->id);
        try {
          batches.cancel(previous->id);
        } catch (const std::exception& e) {
          host_logger()->warn("schedule={} cancelling batch={}: {}", entry.spec.name, previous->id,
                              e.what());
        }
      }
    }
    BatchSubmission submission;
    submission.plan = entry.spec.plan;
    submission.source = entry.spec.plan_source;
    submission.requester = "schedule:" + entry.spec.name;
    submission.request_id = request_id;
    try {
      const BatchView batch = batches.submit(std::move(submission));
      host_logger()->info("schedule={} run due={} started batch={} late_s={}", entry.spec.name,
                          utc_text(due), batch.id, late);
      remember(entry, due, batch.id, batch.finished);
      std::lock_guard lock(mutex);
      ++entry.status.runs;
      entry.status.last_lateness = now - due;
    } catch (const std::exception& e) {
      host_logger()->error("schedule={} run due={} was refused: {}", entry.spec.name, utc_text(due),
                           e.what());
      std::lock_guard lock(mutex);
      ++entry.status.failed;
    }
  }

  void remember(Entry& entry, Instant due, const std::string& batch, bool finished) {
    entry.running_batch = finished ? std::string() : batch;
    std::lock_guard lock(mutex);
    entry.status.last_due = due;
    entry.status.last_batch = batch;
  }
};

std::string Scheduler::run_request_id(const std::string& name, chrono::sys_seconds due) {
  return "schedule/" + name + "/" + std::to_string(due.time_since_epoch().count());
}

Scheduler::Scheduler(BatchManager& batches, std::shared_ptr<HostClock> clock,
                     std::vector<ScheduleSpec> specs)
    : state_(std::make_shared<State>(batches, clock ? std::move(clock) : real_host_clock())) {
  std::set<std::string> names;
  for (ScheduleSpec& spec : specs) {
    const std::string key = "schedules." + (valid_name(spec.name) ? spec.name : "name");
    if (!valid_name(spec.name))
      throw std::invalid_argument(key + ": expected 1 to 64 letters, digits, '.', '_' or '-'");
    if (!names.insert(spec.name).second)
      throw std::invalid_argument(key + ": a second schedule with this name");
    if (spec.catch_up < chrono::seconds(0))
      throw std::invalid_argument(key + ".catch_up: must not be negative");
    std::optional<Calendar> calendar;
    try {
      calendar.emplace(CronExpression::parse(spec.cron), spec.tz);
    } catch (const CronError& e) {
      const std::string what = e.what();  // "cron: …" or "tz: …"
      throw std::invalid_argument(key + "." + what);
    }
    try {
      parse_batch_plan(spec.plan, spec.plan_source);
    } catch (const std::exception& e) {
      throw std::invalid_argument(key + ".plan: " + e.what());
    }
    ScheduleStatus status;
    status.name = spec.name;
    status.cron = spec.cron;
    status.tz = calendar->zone_name();
    status.paused = spec.paused;
    state_->entries.push_back({std::move(spec), std::move(*calendar), std::move(status), {}, {}});
  }
  state_->timer = state_->clock->make_timer(state_->loop);
}

Scheduler::~Scheduler() {
  stop();
}

void Scheduler::start() {
  State& s = *state_;
  if (s.thread.joinable()) return;
  const Instant now = s.wall_now();
  // The journal's newest batches (newest first): where each schedule's last run is found.
  const std::vector<BatchView> recent = s.batches.list(kRecentRuns);
  for (auto& entry : s.entries) {
    const std::string prefix = "schedule/" + entry.spec.name + "/";
    const BatchView* last = nullptr;
    for (const auto& batch : recent)
      if (batch.request_id.rfind(prefix, 0) == 0) {
        last = &batch;
        break;
      }
    std::optional<Instant> last_due;
    if (last != nullptr) {
      try {
        last_due = Instant(chrono::seconds(std::stoll(last->request_id.substr(prefix.size()))));
      } catch (const std::exception&) {  // not one of ours after all
      }
    }
    if (last_due) {
      // What came due since its last run: the latest inside the window runs at the first wake,
      // the rest are missed. A run still going is the one overlap is judged against.
      entry.next_due = entry.calendar.next_after(*last_due);
      if (!last->finished) entry.running_batch = last->id;
      entry.status.last_due = last_due;
      entry.status.last_batch = last->id;
    } else {
      // Never ran (or not among the newest kRecentRuns batches): nothing before now is owed;
      // a schedule added at 19:03 does not fire for 19:00.
      entry.next_due = entry.calendar.next_after(now);
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
  for (const auto& entry : state_->entries) out.push_back(entry.status);
  return out;
}

}  // namespace stopd::core
