// The scheduler over a real host, job manager, batch manager and journal, on a FakeClock: a run
// fires at its instant as one batch, a restart inside the catch-up window does not repeat it,
// runs missed outside the window are counted and never run, many missed inside it run once, and
// overlap is forbidden or replaces the running batch.
#include "stopd/jobs/scheduler.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "jobs_test_support.hpp"
#include "stopd/core/host.hpp"
#include "stopd/jobs/batch_manager.hpp"
#include "stopd/jobs/job_manager.hpp"
#include "stopd/jobs/job_store.hpp"
#include "stopd/schedule/calendar.hpp"
#include "stopd/sdk/outcome.hpp"
#include "stopd/test/fake_clock.hpp"
#include "stopd/test/shifted_clock.hpp"

namespace stopd::test {
namespace {

using namespace std::chrono_literals;
using core::Scheduler;
using core::ScheduleSpec;
using core::ScheduleStatus;
using Instant = std::chrono::sys_seconds;

// One misbehaving-plugin step: "ok" stops at once; "hang" holds its item for a second, deaf to
// cancellation (so a run is still going when the next is due).
// One step of test.misbehave doing `what`; with `deadline_seconds`, that step's deadline.
std::string plan_doing(const std::string& what, std::optional<int> deadline_seconds = {}) {
  nlohmann::json step = {
      {"name", "s"}, {"type", "test.misbehave"}, {"target", {{"id", "r"}, {"do", what}}}};
  if (deadline_seconds) step["deadline"] = *deadline_seconds;
  return nlohmann::json{{"version", 1}, {"steps", {step}}}.dump();
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

  // On the FakeClock, or on `real_time` (timers that really wait) if given.
  explicit Daemon(std::shared_ptr<core::HostClock> real_time = nullptr) {
    core::HostConfig config = core::parse_host_config(
        {{"plugin_dirs", nlohmann::json::array()},
         {"plugins", {STOPD_MISBEHAVING_PLUGIN}},
         {"providers", {{"test.misbehave", {{"settings", {{"hang_seconds", 1}}}}}}}},
        "");
    config.dispatcher.clock = real_time ? std::move(real_time) : clock;
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

// The one test on real time: a real timer on the scheduler's loop, a real host and journal. The
// wall reading alone is moved, so the minute turns two seconds from now, not up to sixty.
TEST(Scheduler, InRealTimeARunDueInTwoSecondsIsSubmittedOnTime) {
  const Instant due{std::chrono::sys_days{std::chrono::year{2027} / 1 / 11} + 10h + 1min};
  auto shifted = std::make_shared<ShiftedClock>(due - 2s);
  Daemon d(shifted);
  Scheduler scheduler(*d.batches, shifted, {spec("minutely", "* * * * *", "ok")});
  scheduler.start();
  ASSERT_TRUE(eventually([&] { return status_of(scheduler).runs == 1; }, 30s))
      << "missed " << status_of(scheduler).missed << " failed " << status_of(scheduler).failed;
  EXPECT_EQ(status_of(scheduler).last_due, due);
  const auto batch = d.batches->find_by_request_id(Scheduler::run_request_id("minutely", due));
  ASSERT_TRUE(batch);
  // Never early; late by no more than a loaded machine explains (the benchmark measures it:
  // stopd_bench_schedule). The scheduler reads whole seconds, so up to 1 s is by design.
  EXPECT_GE(batch->created, due);
  EXPECT_LT(batch->created - due, 10s);
}

// Runs due at one instant are submitted several at once (up to four threads): each exactly once,
// as its own batch, counted on its own schedule.
TEST(Scheduler, ManyRunsDueAtOneInstantAreEachSubmittedOnce) {
  Daemon d;
  std::vector<ScheduleSpec> specs;
  for (int i = 0; i < 40; ++i)
    specs.push_back(spec("s-" + std::to_string(i), "*/10 * * * *", "ok", 0s));
  Scheduler scheduler(*d.batches, d.clock, std::move(specs));
  scheduler.start();
  const Instant due = next_of("*/10 * * * *", d.now());
  ASSERT_TRUE(eventually([&] { return status_of(scheduler).next == due; }));
  d.advance_to(due);
  ASSERT_TRUE(eventually([&] {
    for (const auto& status : scheduler.list())
      if (status.runs != 1) return false;
    return true;
  }));
  std::set<std::string> batches;
  for (const auto& status : scheduler.list()) {
    EXPECT_EQ(status.failed, 0u) << status.name;
    EXPECT_EQ(status.last_due, due) << status.name;
    const auto batch = d.batches->find_by_request_id(Scheduler::run_request_id(status.name, due));
    ASSERT_TRUE(batch) << status.name;
    EXPECT_EQ(batch->id, status.last_batch) << status.name;
    batches.insert(batch->id);
  }
  EXPECT_EQ(batches.size(), 40u);
  EXPECT_EQ(d.batches->list(100).size(), 40u);
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

// The running batch's step has a deadline past the next instant, here and in the replace test
// below: with the dispatcher's default (grace + margin, 40 s) the minute's advance also expired
// the first run, and which of that and the next run's overlap check came first was up to two
// event loops (each test failed once in a run of the whole suite, none alone).
TEST(Scheduler, OverlapForbidSkipsARunWhileThePreviousOneRuns) {
  Daemon d;
  auto forbidding = spec("slow", "* * * * *", "hang", 0s);
  forbidding.plan = plan_doing("hang", 600);
  Scheduler scheduler(*d.batches, d.clock, {forbidding});
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
  replacing.plan = plan_doing("hang", 600);  // see the forbid test above
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

// ---- The API's changes (issue 20): add, update, remove, pause, resume, run-now, jitter, history.

using sdk::Code;

ScheduleSpec api_spec(const std::string& name, const std::string& cron, const std::string& what) {
  ScheduleSpec s = spec(name, cron, what, 5min);
  s.origin = ScheduleSpec::Origin::api;
  s.requester = "alice";
  return s;
}

Code code_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const sdk::StopError& e) {
    return e.code();
  }
  return Code::stopped;  // no error
}

std::string message_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

// 10 s after a minute's instant: the next instant is 50 s away, before the loop's longest sleep.
void align_to_minute_plus_10s(Daemon& d) {
  d.clock->advance(std::chrono::seconds(60 - d.now().time_since_epoch().count() % 60) + 10s);
}

TEST(SchedulerApi, AnAddedScheduleFiresAtItsFirstInstantWithoutWaitingForTheLoopsSleep) {
  Daemon d;
  align_to_minute_plus_10s(d);
  Scheduler scheduler(*d.batches, d.clock, {}, d.store.get());
  scheduler.start();  // nothing to do: the loop sleeps kMaxSleep (60 s)
  const ScheduleStatus added = scheduler.add(api_spec("minutely", "* * * * *", "ok"));
  ASSERT_TRUE(added.next);
  EXPECT_EQ(*added.next, next_of("* * * * *", d.now()));
  d.advance_to(*added.next);  // 50 s: before the loop would have woken by itself
  ASSERT_TRUE(eventually([&] { return scheduler.get("minutely")->runs == 1; }));
  EXPECT_TRUE(d.batches->find_by_request_id(Scheduler::run_request_id("minutely", *added.next)));
}

TEST(SchedulerApi, TheNumberOfSchedulesIsCappedForConfigAndApiTogether) {
  Daemon d;
  std::vector<ScheduleSpec> from_config;
  for (std::size_t i = 0; i + 1 < Scheduler::kMaxSchedules; ++i)
    from_config.push_back(spec("c-" + std::to_string(i), "@daily", "ok"));
  Scheduler scheduler(*d.batches, d.clock, std::move(from_config), d.store.get());
  EXPECT_NO_THROW(scheduler.add(api_spec("last", "@daily", "ok")));
  try {
    scheduler.add(api_spec("one-more", "@daily", "ok"));
    FAIL() << "a schedule past the cap was added";
  } catch (const sdk::StopError& e) {
    EXPECT_EQ(e.code(), sdk::Code::failed_precondition);
    EXPECT_NE(std::string(e.what()).find("at most 10000 schedules"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(scheduler.get("one-more"));
  EXPECT_EQ(scheduler.list().size(), Scheduler::kMaxSchedules);
}

TEST(SchedulerApi, ApiSchedulesAndPauseStateComeBackAfterARestart) {
  Daemon d;
  {
    Scheduler before(*d.batches, d.clock, {spec("from-config", "@daily", "ok")}, d.store.get());
    before.add(api_spec("nightly", "0 19 * * mon-fri", "ok"));
    before.set_paused("nightly", true, "alice");
    before.set_paused("from-config", true, "bob");
  }
  Scheduler after(*d.batches, d.clock, {spec("from-config", "@daily", "ok")}, d.store.get());
  after.start();
  const auto nightly = after.get("nightly");
  ASSERT_TRUE(nightly);
  EXPECT_EQ(nightly->spec->origin, ScheduleSpec::Origin::api);
  EXPECT_EQ(nightly->cron, "0 19 * * mon-fri");
  EXPECT_EQ(nightly->spec->requester, "alice");
  EXPECT_TRUE(nightly->paused);
  EXPECT_FALSE(nightly->next);
  const auto from_config = after.get("from-config");
  ASSERT_TRUE(from_config);
  EXPECT_TRUE(from_config->paused) << "a pause over the API outlives a restart";
  EXPECT_EQ(from_config->spec->origin, ScheduleSpec::Origin::config);
}

TEST(SchedulerApi, ANameInTheConfigAndInTheJournalStopsTheStartNamingBoth) {
  Daemon d;
  { Scheduler(*d.batches, d.clock, {}, d.store.get()).add(api_spec("twice", "@daily", "ok")); }
  const std::string message = message_of([&] {
    Scheduler scheduler(*d.batches, d.clock, {spec("twice", "@hourly", "ok")}, d.store.get());
  });
  EXPECT_EQ(message.rfind("schedules.twice: defined in the config file and also created over the "
                          "API (kept in the journal ",
                          0),
            0u)
      << message;
  EXPECT_NE(message.find(d.store->file().string()), std::string::npos) << message;
}

TEST(SchedulerApi, ConfigSchedulesMayOnlyBePausedResumedOrRunNow) {
  Daemon d;
  auto from_config = spec("from-config", "@daily", "ok");
  from_config.defined_in = "/etc/stopd/config.json";
  Scheduler scheduler(*d.batches, d.clock, {from_config}, d.store.get());
  scheduler.start();
  auto changed = api_spec("from-config", "@hourly", "ok");
  EXPECT_EQ(code_of([&] { scheduler.update(changed); }), Code::failed_precondition);
  EXPECT_NE(message_of([&] { scheduler.update(changed); }).find("/etc/stopd/config.json"),
            std::string::npos);
  EXPECT_EQ(code_of([&] { scheduler.remove("from-config"); }), Code::failed_precondition);
  EXPECT_EQ(code_of([&] { scheduler.add(changed); }), Code::failed_precondition);
  EXPECT_EQ(scheduler.get("from-config")->cron, "@daily");
  EXPECT_TRUE(scheduler.set_paused("from-config", true, "bob").paused);
  EXPECT_FALSE(scheduler.set_paused("from-config", false, "bob").paused);
  EXPECT_EQ(code_of([&] { scheduler.run_now("from-config"); }), Code::stopped);
  EXPECT_EQ(code_of([&] { scheduler.remove("nothing"); }), Code::not_found);
  EXPECT_EQ(code_of([&] { scheduler.set_paused("nothing", true, "bob"); }), Code::not_found);
}

TEST(SchedulerApi, UpdateReplacesTheCalendarAndRemoveStopsIt) {
  Daemon d;
  Scheduler scheduler(*d.batches, d.clock, {}, d.store.get());
  scheduler.start();
  scheduler.add(api_spec("s", "@yearly", "ok"));
  const auto updated = scheduler.update(api_spec("s", "*/5 * * * *", "ok"));
  EXPECT_EQ(updated.cron, "*/5 * * * *");
  EXPECT_EQ(updated.next, next_of("*/5 * * * *", d.now()));
  EXPECT_EQ(d.store->get_schedule("s")->spec.at("cron"), "*/5 * * * *");
  scheduler.remove("s");
  EXPECT_FALSE(scheduler.get("s"));
  EXPECT_FALSE(d.store->get_schedule("s"));
  d.clock->advance(10min);
  EXPECT_FALSE(eventually([&] { return !d.batches->list(10).empty(); }, 200ms));
  EXPECT_EQ(code_of([&] { scheduler.update(api_spec("s", "@daily", "ok")); }), Code::not_found);
}

// A read-modify-write (stopctl schedules update): applied only while the schedule is as read;
// otherwise Changed, and neither memory nor the journal change.
TEST(SchedulerApi, UpdateIfUnchangedRefusesWhenAnotherChangeCameBetween) {
  Daemon d;
  Scheduler scheduler(*d.batches, d.clock, {}, d.store.get());
  scheduler.start();
  scheduler.add(api_spec("s", "@yearly", "ok"));
  const ScheduleStatus read = *scheduler.get("s");
  const auto still_as_read = [&](const ScheduleStatus& now) {
    return now.cron == read.cron && now.paused == read.paused;
  };
  scheduler.set_paused("s", true, "alice");  // another client, between the read and the write
  EXPECT_THROW(scheduler.update(api_spec("s", "@daily", "ok"), still_as_read), Scheduler::Changed);
  EXPECT_EQ(scheduler.get("s")->cron, "@yearly");
  EXPECT_TRUE(scheduler.get("s")->paused);
  EXPECT_EQ(d.store->get_schedule("s")->spec.at("cron"), "@yearly");

  const ScheduleStatus again = *scheduler.get("s");
  const auto updated = scheduler.update(api_spec("s", "@daily", "ok"), [&](const auto& now) {
    return now.cron == again.cron && now.paused == again.paused;
  });
  EXPECT_EQ(updated.cron, "@daily");
  EXPECT_EQ(d.store->get_schedule("s")->spec.at("cron"), "@daily");
}

TEST(SchedulerApi, AJournalScheduleThatCannotBeLoadedDoesNotStopTheStartAndCanBeDeleted) {
  Daemon d;
  core::ScheduleRow row;
  row.name = "broken";
  row.origin = "api";
  row.spec = Scheduler::to_json(api_spec("broken", "@daily", "ok"));
  row.spec["tz"] = "Mars/Base";  // a zone the tz database no longer has
  row.requester = "alice";
  d.store->put_schedule(row);
  Scheduler scheduler(*d.batches, d.clock, {}, d.store.get());
  scheduler.start();
  EXPECT_FALSE(scheduler.get("broken"));
  scheduler.remove("broken");
  EXPECT_FALSE(d.store->get_schedule("broken"));
  EXPECT_EQ(code_of([&] { scheduler.remove("broken"); }), Code::not_found);
}

TEST(SchedulerApi, ResumeOwesNothingFromWhilePaused) {
  Daemon d;
  Scheduler scheduler(*d.batches, d.clock, {}, d.store.get());
  scheduler.start();
  scheduler.add(api_spec("m", "* * * * *", "ok"));
  scheduler.set_paused("m", true, "alice");
  d.clock->advance(3min);
  const auto resumed = scheduler.set_paused("m", false, "alice");
  EXPECT_EQ(resumed.next, next_of("* * * * *", d.now()));
  EXPECT_FALSE(eventually([&] { return scheduler.get("m")->runs > 0; }, 200ms));
  EXPECT_EQ(scheduler.get("m")->missed, 0u);
}

TEST(SchedulerApi, RunNowIsABatchOfItsOwnRequestIdAndOverlapForbidRefusesASecond) {
  Daemon d;
  Scheduler scheduler(*d.batches, d.clock, {}, d.store.get());
  scheduler.start();
  scheduler.add(api_spec("slow", "@yearly", "hang"));
  const core::BatchView batch = scheduler.run_now("slow");
  EXPECT_EQ(batch.request_id, Scheduler::run_now_request_id("slow", d.now()));
  EXPECT_EQ(batch.request_id,
            "schedule/slow/now/" + std::to_string(d.now().time_since_epoch().count()));
  EXPECT_EQ(batch.requester, "schedule:slow");
  d.clock->advance(1s);
  const std::string refused = message_of([&] { scheduler.run_now("slow"); });
  EXPECT_NE(refused.find("still running"), std::string::npos) << refused;
  EXPECT_NE(refused.find(batch.id), std::string::npos) << refused;
  EXPECT_TRUE(eventually([&] { return d.batches->get(batch.id)->finished; }));
  const auto history = scheduler.get("slow")->history;
  ASSERT_EQ(history.size(), 1u);
  EXPECT_TRUE(history[0].now);
  EXPECT_FALSE(history[0].due);
}

TEST(SchedulerApi, RunNowWithOverlapReplaceCancelsTheRunningRunAndStartsItsOwn) {
  Daemon d;
  Scheduler scheduler(*d.batches, d.clock, {}, d.store.get());
  scheduler.start();
  auto replacing = api_spec("slow", "@yearly", "hang");
  replacing.overlap = ScheduleSpec::Overlap::replace;
  scheduler.add(replacing);
  const core::BatchView first = scheduler.run_now("slow");
  d.clock->advance(1s);  // a second run now: its own request_id
  const core::BatchView second = scheduler.run_now("slow");
  EXPECT_NE(second.id, first.id);
  EXPECT_EQ(second.request_id, Scheduler::run_now_request_id("slow", d.now()));
  EXPECT_TRUE(eventually([&] { return d.batches->get(first.id)->finished; }));
  EXPECT_TRUE(d.batches->get(first.id)->summary.value("cancelled", false))
      << d.batches->get(first.id)->summary;
  EXPECT_EQ(scheduler.get("slow")->skipped, 0u);
  // Asked again within the same second: the same run, not a third.
  EXPECT_EQ(scheduler.run_now("slow").id, second.id);
  // The replacing run is not cancelled: it ends by itself (the plugin's hang is 1 s).
  EXPECT_TRUE(eventually([&] { return d.batches->get(second.id)->finished; }));
  EXPECT_FALSE(d.batches->get(second.id)->summary.value("cancelled", false))
      << d.batches->get(second.id)->summary;
}

TEST(SchedulerApi, JitterDelaysARunDeterministicallyAndKeepsItsInstantAsItsId) {
  for (const int jitter : {1, 7, 600}) {
    for (long long t = 1'700'000'000; t < 1'700'000'000 + 600 * 60; t += 60) {
      const auto delay = Scheduler::jitter_delay("n", Instant(std::chrono::seconds(t)),
                                                 std::chrono::seconds(jitter));
      ASSERT_GE(delay.count(), 0);
      ASSERT_LT(delay.count(), jitter);
    }
  }
  const Instant due(std::chrono::seconds(1'700'000'000));
  EXPECT_EQ(Scheduler::jitter_delay("n", due, 600s), Scheduler::jitter_delay("n", due, 600s));
  EXPECT_NE(Scheduler::jitter_delay("n", due, 600s),
            Scheduler::jitter_delay("n", due + 60s, 600s));  // pinned: these two differ
  EXPECT_EQ(Scheduler::jitter_delay("n", due, 0s), 0s);

  Daemon d;
  Scheduler scheduler(*d.batches, d.clock, {}, d.store.get());
  scheduler.start();
  auto jittered = api_spec("j", "0 * * * *", "ok");
  jittered.jitter = 30min;
  const auto added = scheduler.add(jittered);
  ASSERT_TRUE(added.next);
  const Instant instant = *added.next;
  const auto delay = Scheduler::jitter_delay("j", instant, 30min);
  EXPECT_EQ(added.next_delay, delay);
  ASSERT_GT(delay, 1s) << "pick another name: this one's delay is too short to see";
  d.advance_to(instant);
  EXPECT_FALSE(eventually([&] { return scheduler.get("j")->runs > 0; }, 200ms))
      << "fired at its instant, before its jitter delay";
  d.advance_to(instant + delay);
  ASSERT_TRUE(eventually([&] { return scheduler.get("j")->runs == 1; }));
  EXPECT_TRUE(d.batches->find_by_request_id(Scheduler::run_request_id("j", instant)));
  EXPECT_EQ(scheduler.get("j")->missed, 0u);
}

TEST(SchedulerApi, ARestartBetweenAnInstantAndItsJitteredRunRunsItThenUnderTheInstantsId) {
  Daemon d;
  auto jittered = spec("j", "0 * * * *", "ok");
  jittered.jitter = 30min;
  Instant instant;
  std::chrono::seconds delay{0};
  {
    Scheduler before(*d.batches, d.clock, {jittered}, d.store.get());
    before.start();
    ASSERT_TRUE(eventually([&] { return before.get("j")->next.has_value(); }));
    instant = *before.get("j")->next;
    delay = Scheduler::jitter_delay("j", instant, 30min);
    ASSERT_GT(delay, 2s) << "pick another name: this one's delay is too short to see";
    d.advance_to(instant);  // the instant came; its delayed run has not
    EXPECT_FALSE(eventually([&] { return before.get("j")->runs > 0; }, 200ms));
  }
  Scheduler after(*d.batches, d.clock, {jittered}, d.store.get());
  after.start();
  ASSERT_TRUE(eventually([&] { return after.get("j")->next.has_value(); }));
  EXPECT_EQ(after.get("j")->next, instant) << "the restart lost the instant still to run";
  EXPECT_EQ(after.get("j")->next_delay, delay);
  d.advance_to(instant + delay);
  ASSERT_TRUE(eventually([&] { return after.get("j")->runs == 1; }));
  EXPECT_TRUE(d.batches->find_by_request_id(Scheduler::run_request_id("j", instant)));
}

TEST(SchedulerApi, OlderFinishedRunsBeyondTheHistoryLimitsArePruned) {
  Daemon d;
  Scheduler scheduler(*d.batches, d.clock, {}, d.store.get());
  scheduler.start();
  auto limited = api_spec("h", "@yearly", "ok");
  limited.history_succeeded = 2;
  scheduler.add(limited);
  std::vector<std::string> ids;
  for (int run = 0; run < 5; ++run) {
    ids.push_back(scheduler.run_now("h").id);
    ASSERT_TRUE(eventually([&] { return d.batches->get(ids.back())->finished; }));
    d.clock->advance(1s);  // each run-now its own second, so its own request_id
  }
  // The fifth run pruned the runs before it beyond the two newest finished ones.
  EXPECT_FALSE(d.store->get_batch(ids[0]));
  EXPECT_FALSE(d.store->get_batch(ids[1]));
  EXPECT_TRUE(d.store->get_batch(ids[4]));
  EXPECT_TRUE(d.store->get_batch(ids[3]));
  const auto history = scheduler.get("h")->history;
  EXPECT_LE(history.size(), 3u);
  EXPECT_GE(history.size(), 2u);
  EXPECT_EQ(history.front().batch, ids[4]);
  EXPECT_EQ(history.front().result, "succeeded");
}

TEST(SchedulerApi, EveryBadFieldIsRefusedNamingIt) {
  const auto refused = [](const std::function<void(ScheduleSpec&)>& change) {
    ScheduleSpec s = api_spec("ok", "@daily", "ok");
    change(s);
    try {
      Scheduler::validate(s);
    } catch (const sdk::StopError& e) {
      EXPECT_EQ(e.code(), Code::invalid_argument);
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  EXPECT_EQ(refused([](ScheduleSpec&) {}), "(accepted)");
  EXPECT_EQ(refused([](ScheduleSpec& s) {
              s.name = "../x";
            }).rfind("name: expected 1 to 64 letters, digits, '.', '_' or '-', got '../x'", 0),
            0u);
  EXPECT_EQ(refused([](ScheduleSpec& s) { s.name = std::string(65, 'a'); }).rfind("name: ", 0), 0u);
  EXPECT_EQ(refused([](ScheduleSpec& s) {
              s.cron = "61 * * * *";
            }).rfind("cron: minute field '61': 61 is out of range 0-59", 0),
            0u);
  EXPECT_EQ(refused([](ScheduleSpec& s) {
              s.tz = "Europe/Nowhere";
            }).rfind("tz: unknown time zone 'Europe/Nowhere'", 0),
            0u);
  EXPECT_EQ(refused([](ScheduleSpec& s) { s.catch_up = 10s; }).rfind("catch_up_seconds: 10: ", 0),
            0u);
  EXPECT_EQ(refused([](ScheduleSpec& s) { s.catch_up = -40s; }).rfind("catch_up_seconds: -40", 0),
            0u);
  EXPECT_EQ(refused([](ScheduleSpec& s) { s.jitter = -1s; }).rfind("jitter_seconds: -1: ", 0), 0u);
  EXPECT_EQ(refused([](ScheduleSpec& s) { s.history_failed = 101; }).rfind("history.failed: ", 0),
            0u);
  EXPECT_EQ(refused([](ScheduleSpec& s) {
              s.plan = std::string(600 * 1024, ' ');
            }).rfind("plan: 614400 bytes; at most 524288", 0),
            0u);
  EXPECT_EQ(refused([](ScheduleSpec& s) { s.plan = "{\"steps\": 3}"; }).rfind("plan:", 0), 0u);
  EXPECT_EQ(refused([](ScheduleSpec& s) { s.plan.clear(); }).rfind("plan: required", 0), 0u);
}

}  // namespace
}  // namespace stopd::test
