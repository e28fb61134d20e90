// The scheduler over a real host, job manager, batch manager and journal, on a FakeClock: a run
// fires at its instant as one batch, a restart inside the catch-up window does not repeat it,
// runs missed outside the window are counted and never run, many missed inside it run once, and
// overlap is forbidden or replaces the running batch.
#include "stopd/jobs/scheduler.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "jobs_test_support.hpp"
#include "stopd/core/host.hpp"
#include "stopd/jobs/batch_manager.hpp"
#include "stopd/jobs/job_manager.hpp"
#include "stopd/jobs/job_store.hpp"
#include "stopd/schedule/calendar.hpp"
#include "stopd/test/fake_clock.hpp"

namespace stopd::test {
namespace {

using namespace std::chrono_literals;
using core::Scheduler;
using core::ScheduleSpec;
using Instant = std::chrono::sys_seconds;

// One misbehaving-plugin step: "ok" stops at once; "hang" holds its item for a second, deaf to
// cancellation (so a run is still going when the next is due).
std::string plan_doing(const std::string& what) {
  return nlohmann::json{
      {"version", 1},
      {"steps",
       {{{"name", "s"}, {"type", "test.misbehave"}, {"target", {{"id", "r"}, {"do", what}}}}}}}
      .dump();
}

ScheduleSpec spec(const std::string& name, const std::string& cron, const std::string& what,
                  std::chrono::seconds catch_up = 5min) {
  ScheduleSpec s;
  s.name = name;
  s.cron = cron;
  s.plan = plan_doing(what);
  s.plan_source = "test";
  s.catch_up = catch_up;
  return s;
}

// A daemon's parts on a fake clock.
struct Daemon {
  TempDir dir;
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  std::unique_ptr<core::Host> host;
  std::unique_ptr<core::JobStore> store;
  std::unique_ptr<core::JobManager> jobs;
  std::unique_ptr<core::BatchManager> batches;

  Daemon() {
    core::HostConfig config = core::parse_host_config(
        {{"plugin_dirs", nlohmann::json::array()},
         {"plugins", {STOPD_MISBEHAVING_PLUGIN}},
         {"providers", {{"test.misbehave", {{"settings", {{"hang_seconds", 1}}}}}}}},
        "");
    config.dispatcher.clock = clock;
    host = std::make_unique<core::Host>(config, std::filesystem::path{});
    store = std::make_unique<core::JobStore>(dir.journal());
    core::JobManagerOptions options;
    options.dispatcher = config.dispatcher;
    jobs = std::make_unique<core::JobManager>(*host, *store, options);
    batches = std::make_unique<core::BatchManager>(*host, *jobs, *store);
  }

  Instant now() const { return std::chrono::floor<std::chrono::seconds>(clock->wall_now()); }
  // Moves the clock to `at` (and one second past it: the loop reads whole seconds).
  void advance_to(Instant at) { clock->advance(at - now() + 1s); }
};

core::ScheduleStatus status_of(const Scheduler& scheduler) {
  return scheduler.list().at(0);
}

// The next instant `cron` fires after `after`, in UTC.
Instant next_of(const std::string& cron, Instant after) {
  return *core::Calendar(core::CronExpression::parse(cron), "").next_after(after);
}

// Starts `scheduler`, fires its first instant and waits for that run's batch to end: the
// instant, with a test failure recorded if any of it did not happen.
Instant first_run_done(Daemon& d, Scheduler& scheduler) {
  scheduler.start();
  EXPECT_TRUE(eventually([&] { return status_of(scheduler).next.has_value(); }));
  const Instant first = status_of(scheduler).next.value_or(Instant{});
  d.advance_to(first);
  EXPECT_TRUE(eventually([&] { return status_of(scheduler).runs == 1; }));
  EXPECT_TRUE(eventually([&] {
    const auto batch = d.batches->get(status_of(scheduler).last_batch);
    return batch && batch->finished;
  }));
  return first;
}

TEST(Scheduler, ARunIsOneBatchAtItsInstantWithADeterministicRequestId) {
  Daemon d;
  Scheduler scheduler(*d.batches, d.clock, {spec("nightly", "*/10 * * * *", "ok", 0s)});
  scheduler.start();
  const Instant due = next_of("*/10 * * * *", d.now());
  ASSERT_TRUE(eventually([&] { return status_of(scheduler).next == due; }));
  EXPECT_EQ(status_of(scheduler).runs, 0u) << "fired before its instant";

  d.advance_to(due);
  ASSERT_TRUE(eventually([&] { return status_of(scheduler).runs == 1; }))
      << "failed " << status_of(scheduler).failed << " missed " << status_of(scheduler).missed
      << " skipped " << status_of(scheduler).skipped;
  const auto status = status_of(scheduler);
  EXPECT_EQ(status.last_due, due);
  const auto batch = d.batches->find_by_request_id(Scheduler::run_request_id("nightly", due));
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->id, status.last_batch);
  EXPECT_EQ(batch->requester, "schedule:nightly");
  EXPECT_TRUE(eventually([&] { return d.batches->get(batch->id)->finished; }));
  EXPECT_EQ(status_of(scheduler).next, next_of("*/10 * * * *", due));
  EXPECT_EQ(Scheduler::run_request_id("nightly", due),
            "schedule/nightly/" + std::to_string(due.time_since_epoch().count()));
}

TEST(Scheduler, ARestartInsideTheCatchUpWindowDoesNotRunItAgain) {
  Daemon d;
  const Instant due = next_of("*/10 * * * *", d.now());
  std::string first_batch;
  {
    Scheduler before(*d.batches, d.clock, {spec("nightly", "*/10 * * * *", "ok")});
    before.start();
    d.advance_to(due);
    ASSERT_TRUE(eventually([&] { return status_of(before).runs == 1; }));
    first_batch = status_of(before).last_batch;
  }  // the daemon stops 1 s after the instant...
  d.clock->advance(30s);
  // ...and starts again inside the five-minute window: the run is found, not repeated.
  Scheduler after(*d.batches, d.clock, {spec("nightly", "*/10 * * * *", "ok")});
  after.start();
  ASSERT_TRUE(eventually([&] { return status_of(after).last_batch == first_batch; }));
  EXPECT_EQ(status_of(after).runs, 0u);
  EXPECT_EQ(status_of(after).missed, 0u);
  EXPECT_EQ(d.batches->list(100).size(), 1u);
}

TEST(Scheduler, RunsMissedOutsideTheWindowAreCountedAndNeverRun) {
  Daemon d;
  Scheduler scheduler(*d.batches, d.clock, {spec("minutely", "* * * * *", "ok", 20s)});
  const Instant first = first_run_done(d, scheduler);
  ASSERT_FALSE(::testing::Test::HasFailure());
  // Asleep from there for ten minutes and 40 s: the latest instant is 40 s old, outside the
  // window (20 s; 30 s is the least there is).
  d.clock->advance(10min + 39s);
  ASSERT_TRUE(eventually([&] { return status_of(scheduler).missed > 0; }));
  EXPECT_EQ(status_of(scheduler).missed, 10u);
  EXPECT_EQ(status_of(scheduler).runs, 1u);
  EXPECT_EQ(d.batches->list(100).size(), 1u);
  EXPECT_EQ(status_of(scheduler).next, first + 11min);
}

TEST(Scheduler, ManyMissedInsideTheWindowRunOnceTheLatest) {
  Daemon d;
  Scheduler scheduler(*d.batches, d.clock, {spec("minutely", "* * * * *", "ok", 5min)});
  const Instant first = first_run_done(d, scheduler);
  ASSERT_FALSE(::testing::Test::HasFailure());
  // Three and a half minutes asleep: of the three instants due, the latest runs.
  d.clock->advance(3min + 29s);
  ASSERT_TRUE(eventually([&] { return status_of(scheduler).runs == 2; }));
  EXPECT_EQ(status_of(scheduler).last_due, first + 3min);
  EXPECT_EQ(status_of(scheduler).missed, 2u);
  EXPECT_EQ(status_of(scheduler).skipped, 0u);
  EXPECT_EQ(d.batches->list(100).size(), 2u);
}

TEST(Scheduler, ANewScheduleOwesNothingFromBeforeItStarted) {
  Daemon d;
  d.clock->advance(std::chrono::seconds(60 - d.now().time_since_epoch().count() % 60) + 10s);
  // 10 s after a minute's instant, with a five-minute window: that instant is not run.
  Scheduler scheduler(*d.batches, d.clock, {spec("minutely", "* * * * *", "ok", 5min)});
  scheduler.start();
  ASSERT_TRUE(eventually([&] { return status_of(scheduler).next.has_value(); }));
  EXPECT_EQ(status_of(scheduler).next, next_of("* * * * *", d.now()));
  EXPECT_FALSE(eventually([&] { return status_of(scheduler).runs > 0; }, 200ms));
  EXPECT_TRUE(d.batches->list(100).empty());
}

TEST(Scheduler, OverlapForbidSkipsARunWhileThePreviousOneRuns) {
  Daemon d;
  Scheduler scheduler(*d.batches, d.clock, {spec("slow", "* * * * *", "hang", 0s)});
  scheduler.start();
  ASSERT_TRUE(eventually([&] { return status_of(scheduler).next.has_value(); }));
  d.advance_to(*status_of(scheduler).next);
  ASSERT_TRUE(eventually([&] { return status_of(scheduler).runs == 1; }));
  const std::string running = status_of(scheduler).last_batch;
  d.advance_to(*status_of(scheduler).next);  // the item hangs for a second of real time
  ASSERT_TRUE(eventually([&] { return status_of(scheduler).skipped == 1; }));
  EXPECT_EQ(status_of(scheduler).runs, 1u);
  EXPECT_EQ(status_of(scheduler).last_batch, running);
  EXPECT_TRUE(eventually([&] { return d.batches->get(running)->finished; }));
}

TEST(Scheduler, OverlapReplaceCancelsTheRunningBatchAndStartsTheNext) {
  Daemon d;
  auto replacing = spec("slow", "* * * * *", "hang", 0s);
  replacing.overlap = ScheduleSpec::Overlap::replace;
  Scheduler scheduler(*d.batches, d.clock, {replacing});
  scheduler.start();
  ASSERT_TRUE(eventually([&] { return status_of(scheduler).next.has_value(); }));
  d.advance_to(*status_of(scheduler).next);
  ASSERT_TRUE(eventually([&] { return status_of(scheduler).runs == 1; }));
  const std::string first = status_of(scheduler).last_batch;
  d.advance_to(*status_of(scheduler).next);
  ASSERT_TRUE(eventually([&] { return status_of(scheduler).runs == 2; }));
  EXPECT_NE(status_of(scheduler).last_batch, first);
  EXPECT_EQ(status_of(scheduler).skipped, 0u);
  const auto cancelled = d.batches->get(first);
  ASSERT_TRUE(cancelled);
  EXPECT_TRUE(eventually([&] { return d.batches->get(first)->finished; }));
  EXPECT_TRUE(d.batches->get(first)->summary.value("cancelled", false))
      << d.batches->get(first)->summary;
}

TEST(Scheduler, APausedScheduleDoesNotFire) {
  Daemon d;
  auto paused = spec("off", "* * * * *", "ok", 0s);
  paused.paused = true;
  Scheduler scheduler(*d.batches, d.clock, {paused});
  scheduler.start();
  d.clock->advance(5min);
  EXPECT_FALSE(eventually([&] { return status_of(scheduler).runs > 0; }, 200ms));
  EXPECT_FALSE(status_of(scheduler).next.has_value());
  EXPECT_TRUE(status_of(scheduler).paused);
}

TEST(Scheduler, BadSchedulesAreRefusedNamingTheScheduleAndTheField) {
  Daemon d;
  const auto error_of = [&](std::vector<ScheduleSpec> specs) -> std::string {
    try {
      Scheduler scheduler(*d.batches, d.clock, std::move(specs));
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(error_of({spec("nightly", "61 * * * *", "ok")})
                .rfind("schedules.nightly.cron: minute field '61': 61 is out of range 0-59", 0),
            0u);
  auto zoned = spec("nightly", "@daily", "ok");
  zoned.tz = "Mars/Base";
  EXPECT_EQ(error_of({zoned}).rfind("schedules.nightly.tz: unknown time zone 'Mars/Base'", 0), 0u);
  EXPECT_EQ(error_of({spec("a", "@daily", "ok"), spec("a", "@hourly", "ok")}),
            "schedules.a: a second schedule with this name");
  EXPECT_EQ(error_of({spec("no/slash", "@daily", "ok")}),
            "schedules.name: expected 1 to 64 letters, digits, '.', '_' or '-'");
  auto unplanned = spec("nightly", "@daily", "ok");
  unplanned.plan = "{\"steps\": 3}";
  EXPECT_EQ(error_of({unplanned}).rfind("schedules.nightly.plan: ", 0), 0u);
}

}  // namespace
}  // namespace stopd::test
