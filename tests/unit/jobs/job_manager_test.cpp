// JobManager over a real dispatcher with in-process providers and a real journal file.
#include "stopd/jobs/job_manager.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "manager_fixture.hpp"
#include "stopd/test/fake_clock.hpp"

namespace stopd::test {
namespace {

using core::Job;
using core::JobEvent;
using core::JobFilter;
using core::JobState;
using sdk::Code;
using namespace std::chrono_literals;

template <class Call>
void expect_stop_error(Code code, const std::string& fragment, Call&& call) {
  try {
    call();
    ADD_FAILURE() << "expected StopError(" << sdk::to_string(code) << ")";
  } catch (const sdk::StopError& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

// Records what a watcher hears.
struct Heard {
  std::mutex mutex;
  std::vector<JobEvent> events;

  std::function<void(const JobEvent&)> callback() {
    return [this](const JobEvent& event) {
      std::lock_guard lock(mutex);
      events.push_back(event);
    };
  }
  std::vector<std::string> kinds() {
    std::lock_guard lock(mutex);
    std::vector<std::string> out;
    for (const auto& event : events) out.push_back(event.kind);
    return out;
  }
  std::size_t size() {
    std::lock_guard lock(mutex);
    return events.size();
  }
};

TEST_F(ManagerTest, JournalsTheJobBeforeSubmitReturnsAndItsOutcomeBeforeWaitReturns) {
  // (A job with a request_id is journaled before it even runs: job_manager_wait_test.cpp.)
  registry.add(std::make_shared<SyncProvider>("t.sync",
                                              [&](const sdk::StopRequest&, sdk::StopContext&) {
                                                return stopped("stopped it");
                                              }),
               {});
  start();
  const Job accepted = manager->submit(submission("a"));
  const auto journaled_at_accept = store->get(accepted.id);
  ASSERT_TRUE(journaled_at_accept);
  EXPECT_EQ(journaled_at_accept->request.target["id"], "a");
  EXPECT_EQ(accepted.id.size(), 28u);
  EXPECT_EQ(accepted.id.substr(0, 2), "j-");
  EXPECT_EQ(accepted.requester, "unix");
  EXPECT_EQ(accepted.request.target["id"], "a");
  // The default deadline: grace (10 s) + the margin (30 s).
  EXPECT_EQ(accepted.deadline, accepted.created + 40s);

  const Job done = manager->wait(accepted.id, 10s);
  ASSERT_TRUE(done.is_finished());
  ASSERT_TRUE(done.outcome);
  EXPECT_EQ(done.outcome->code, Code::stopped);
  EXPECT_EQ(done.outcome->message, "stopped it");
  EXPECT_EQ(done.outcome->details["exit_code"], 0);
  EXPECT_EQ(done.attempts, 1u);
  EXPECT_FALSE(done.stop_id.empty());
  ASSERT_TRUE(done.started);
  ASSERT_TRUE(done.finished);
  EXPECT_LE(*done.started, *done.finished);
  ASSERT_TRUE(done.force_at);
  EXPECT_EQ(*done.force_at, *done.started + 10s);  // the grace counts from the start

  // What wait() returned is what the journal holds.
  const auto journaled = store->get(accepted.id);
  ASSERT_TRUE(journaled);
  EXPECT_EQ(core::to_json(*journaled), core::to_json(done));
  EXPECT_EQ(manager->in_flight(), 0u);
}

TEST_F(ManagerTest, AnInvalidRequestIsRefusedAndNothingIsJournaled) {
  registry.add(std::make_shared<SyncProvider>(
                   "t.sync", [](const sdk::StopRequest&, sdk::StopContext&) { return stopped(); }),
               {});
  start();
  auto unknown = submission("a");
  unknown.request.type = "t.nope";
  expect_stop_error(Code::invalid_argument, "unknown resource type 't.nope'",
                    [&] { manager->submit(unknown); });
  auto bad_target = submission("a");
  bad_target.request.target = {{"pid", 1}};
  expect_stop_error(Code::invalid_argument, "target", [&] { manager->submit(bad_target); });
  auto negative = submission("a");
  negative.request.grace = -1s;
  expect_stop_error(Code::invalid_argument, "grace", [&] { manager->submit(negative); });
  auto no_time = submission("a");
  no_time.deadline = 0ms;
  expect_stop_error(Code::invalid_argument, "deadline", [&] { manager->submit(no_time); });
  EXPECT_EQ(journaled(), 0u);
}

TEST_F(ManagerTest, JournalsTheDeadlineItGivesTheDispatcher) {
  auto holding = std::make_shared<HoldingProvider>("t.hold");
  registry.add(holding, {});
  auto options = fast_options();
  options.deadline_margin = 7s;
  options.drain_deadline = 99s;
  auto clock = std::make_shared<FakeClock>();
  options.clock = clock;
  start(options);
  auto given = submission("given", 10, "t.hold");
  given.deadline = 1500ms;
  const Job short_one = manager->submit(given);
  EXPECT_EQ(short_one.deadline, short_one.created + 1500ms);
  auto immediate = submission("immediate", 10, "t.hold");
  immediate.request.mode = sdk::Mode::immediate;
  const Job now = manager->submit(immediate);
  EXPECT_EQ(now.deadline, now.created + 7s);
  auto drain = submission("drain", 10, "t.hold");
  drain.request.grace = std::nullopt;
  const Job unbounded = manager->submit(drain);
  EXPECT_EQ(unbounded.deadline, unbounded.created + 99s);
  EXPECT_FALSE(unbounded.force_at);

  // The dispatcher got that deadline: the 1.5 s job ends deadline_exceeded at 1.5 s.
  clock->advance(1499ms);
  EXPECT_FALSE(manager->wait(short_one.id, 50ms).is_finished()) << "ended before its deadline";
  clock->advance(1ms);
  const Job expired = manager->wait(short_one.id, 10s);
  ASSERT_TRUE(expired.outcome);
  EXPECT_EQ(expired.outcome->code, Code::deadline_exceeded);
  holding->release_all();
}

TEST_F(ManagerTest, ARequestIdSeenBeforeReturnsTheSameJob) {
  auto holding = std::make_shared<HoldingProvider>("t.hold");
  registry.add(holding, {});
  start();
  auto first = submission("a", 10, "t.hold");
  first.request_id = "key-1";
  const Job a = manager->submit(first);
  auto again = submission("b", 5, "t.hold");  // a different request, the same key
  again.request_id = "key-1";
  EXPECT_EQ(manager->submit(again).id, a.id);
  EXPECT_EQ(holding->calls.load(), 1);
  holding->release_all();
  EXPECT_TRUE(manager->wait(a.id, 10s).is_finished());
  const Job later = manager->submit(again);
  EXPECT_EQ(later.id, a.id);
  EXPECT_TRUE(later.is_finished());
  EXPECT_EQ(journaled(), 1u);
}

TEST_F(ManagerTest, ConcurrentSubmitsOfOneRequestIdMakeOneJob) {
  auto holding = std::make_shared<HoldingProvider>("t.hold");
  registry.add(holding, {});
  start();
  std::atomic<int> ready{0};
  std::mutex mutex;
  std::set<std::string> ids;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      auto mine = submission("t" + std::to_string(t), 10, "t.hold");
      mine.request_id = "same-key";
      ++ready;
      while (ready.load() < 8) std::this_thread::yield();
      const Job job = manager->submit(mine);
      std::lock_guard lock(mutex);
      ids.insert(job.id);
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(journaled(), 1u);
  EXPECT_EQ(manager->in_flight(), 1u);
  holding->release_all();
}

TEST_F(ManagerTest, AWatcherHearsTheSnapshotThenEveryEventUntilFinished) {
  Gate release_first;
  registry.add(std::make_shared<SyncProvider>(
                   "t.sync",
                   [&](const sdk::StopRequest& request, sdk::StopContext& context) {
                     if (request.target["id"] == "first") release_first.wait();
                     context.progress("signalled", {{"signal", "TERM"}});
                     return stopped();
                   },
                   1),  // one at a time: the second job waits for the first
               {});
  start();
  const Job first = manager->submit(submission("first"));
  const Job second = manager->submit(submission("second"));
  EXPECT_EQ(second.state, JobState::pending);

  Heard heard;
  std::atomic<bool> journaled_when_told{false};
  auto record = heard.callback();
  auto handle = manager->watch(second.id, [&](const JobEvent& event) {
    if (event.kind == "finished") journaled_when_told = store->get(event.job.id)->is_finished();
    record(event);
  });
  ASSERT_TRUE(handle);
  ASSERT_EQ(heard.size(), 1u);  // the snapshot arrives inside watch()
  EXPECT_EQ(heard.events[0].kind, "snapshot");
  EXPECT_EQ(heard.events[0].job.state, JobState::pending);
  EXPECT_EQ(heard.events[0].job.request.target["id"], "second");

  release_first.open();
  EXPECT_TRUE(manager->wait(second.id, 10s).is_finished());
  ASSERT_TRUE(eventually([&] { return heard.size() == 4; }));
  EXPECT_EQ(heard.kinds(),
            (std::vector<std::string>{"snapshot", "started", "progress", "finished"}));
  EXPECT_EQ(heard.events[1].job.state, JobState::running);
  EXPECT_EQ(heard.events[2].phase, "signalled");
  EXPECT_EQ(heard.events[2].facts["signal"], "TERM");
  EXPECT_EQ(heard.events[3].job.state, JobState::finished);
  ASSERT_TRUE(heard.events[3].job.outcome);
  EXPECT_EQ(heard.events[3].job.outcome->code, Code::stopped);
  EXPECT_TRUE(journaled_when_told.load());
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(heard.size(), 4u);  // nothing after `finished`
  EXPECT_TRUE(manager->wait(first.id, 10s).is_finished());
}

// The logger seam: the dispatcher, the attempts it runs and the job manager on it write to the
// logger the dispatcher was given (the journal's own seam is pinned by the JournalIntents tests
// that read what it logged about a damaged intent log).
TEST_F(ManagerTest, TheDispatcherAndTheManagerWriteToTheLoggerTheDispatcherWasGiven) {
  registry.add(std::make_shared<AsyncProvider>(
                   "t.twice",
                   [](const sdk::StopRequest&, std::shared_ptr<sdk::StopContext> context) {
                     context->complete(stopped());
                     context->complete(stopped("again"));  // ignored, with a warning
                   }),
               {});
  CapturedLog log;
  auto options = fast_options();
  options.logger = log.logger();
  start(options);
  const core::Job job = manager->submit(submission("a", 10, "t.twice"));
  EXPECT_TRUE(manager->wait(job.id, 10s).is_finished());
  EXPECT_EQ(manager->drain(10s), 0u);
  const std::string text = log.text();
  EXPECT_NE(text.find("[warning] stop=" + job.stop_id +
                      " type=t.twice the provider completed attempt 1 more than once; ignored"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("[info] jobs: drained; 0 job(s) left unfinished in the journal"),
            std::string::npos)
      << text;
}

TEST_F(ManagerTest, AWatcherOfAFinishedJobGetsOnlyTheSnapshot) {
  registry.add(std::make_shared<SyncProvider>(
                   "t.sync", [](const sdk::StopRequest&, sdk::StopContext&) { return stopped(); }),
               {});
  start();
  const Job done = manager->wait(manager->submit(submission("a")).id, 10s);
  ASSERT_TRUE(done.is_finished());
  Heard heard;
  auto handle = manager->watch(done.id, heard.callback());
  EXPECT_TRUE(handle);
  std::this_thread::sleep_for(50ms);
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_EQ(heard.events[0].kind, "snapshot");
  EXPECT_TRUE(heard.events[0].job.is_finished());
  expect_stop_error(Code::not_found, "no job j-nope",
                    [&] { manager->watch("j-nope", heard.callback()); });
}

TEST_F(ManagerTest, NoEventAfterTheHandleIsDroppedEvenFromItsOwnCallback) {
  auto holding = std::make_shared<HoldingProvider>("t.hold");
  registry.add(holding, {});
  start();
  const Job a = manager->submit(submission("a", 10, "t.hold"));
  const Job b = manager->submit(submission("b", 10, "t.hold"));

  Heard dropped;
  auto handle = manager->watch(a.id, dropped.callback());
  handle.reset();

  std::shared_ptr<void> own;
  std::atomic<int> calls{0};
  own = manager->watch(b.id, [&](const JobEvent& event) {
    if (event.kind != "snapshot") own.reset();  // drops itself: must not deadlock
    ++calls;
  });
  holding->release_all();
  EXPECT_TRUE(manager->wait(a.id, 10s).is_finished());
  EXPECT_TRUE(manager->wait(b.id, 10s).is_finished());
  ASSERT_TRUE(eventually([&] { return calls.load() == 2; }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(dropped.size(), 1u);  // the snapshot only
  EXPECT_EQ(calls.load(), 2);
}

TEST_F(ManagerTest, CancelWithdrawsAJobAndJournalsIt) {
  auto holding = std::make_shared<HoldingProvider>("t.hold");
  registry.add(holding, {});
  start();
  const Job job = manager->submit(submission("a", 60, "t.hold"));
  const Job cancelled = manager->cancel(job.id);
  ASSERT_TRUE(cancelled.is_finished());
  ASSERT_TRUE(cancelled.outcome);
  EXPECT_EQ(cancelled.outcome->code, Code::cancelled);
  const auto journaled = store->get(job.id);
  ASSERT_TRUE(journaled && journaled->outcome);
  EXPECT_EQ(journaled->outcome->code, Code::cancelled);
  // Cancelling it again returns it as it is.
  EXPECT_EQ(core::to_json(manager->cancel(job.id)), core::to_json(*journaled));
  expect_stop_error(Code::not_found, "no job j-nope", [&] { manager->cancel("j-nope"); });
}

TEST_F(ManagerTest, CancelOfAFinishedJobReturnsItAsItIs) {
  registry.add(std::make_shared<SyncProvider>(
                   "t.sync", [](const sdk::StopRequest&, sdk::StopContext&) { return stopped(); }),
               {});
  start();
  const Job done = manager->wait(manager->submit(submission("a")).id, 10s);
  const Job again = manager->cancel(done.id);
  ASSERT_TRUE(again.outcome);
  EXPECT_EQ(again.outcome->code, Code::stopped);
}

TEST_F(ManagerTest, CancelOfAJournaledJobNobodyRunsWithdrawsIt) {
  registry.add(std::make_shared<SyncProvider>(
                   "t.sync", [](const sdk::StopRequest&, sdk::StopContext&) { return stopped(); }),
               {});
  start();
  store->insert(pending_job("j-left-over", 1'700'000'000'000));  // a previous run's
  const Job cancelled = manager->cancel("j-left-over");
  ASSERT_TRUE(cancelled.outcome);
  EXPECT_EQ(cancelled.outcome->code, Code::cancelled);
  EXPECT_TRUE(store->get("j-left-over")->is_finished());
}

TEST_F(ManagerTest, ASecondJobForTheSameResourceJoinsTheStopInFlight) {
  auto holding = std::make_shared<HoldingProvider>("t.hold");
  registry.add(holding, {});
  start();
  const Job first = manager->submit(submission("x", 60, "t.hold"));
  const Job second = manager->submit(submission("x", 30, "t.hold"));
  EXPECT_NE(first.id, second.id);
  EXPECT_EQ(first.stop_id, second.stop_id);
  EXPECT_FALSE(first.joined);
  EXPECT_TRUE(second.joined);
  EXPECT_EQ(second.state, JobState::running);
  EXPECT_EQ(holding->calls.load(), 1);
  holding->release_all();
  const Job a = manager->wait(first.id, 10s);
  const Job b = manager->wait(second.id, 10s);
  ASSERT_TRUE(a.outcome && b.outcome);
  EXPECT_EQ(a.outcome->code, Code::stopped);
  EXPECT_EQ(b.outcome->code, Code::stopped);
  EXPECT_TRUE(store->get(second.id)->joined);
}

TEST_F(ManagerTest, ADryRunIsAJobToo) {
  auto provider = std::make_shared<SyncProvider>(
      "t.sync", [](const sdk::StopRequest&, sdk::StopContext&) { return stopped(); });
  provider->inspect_state = sdk::Inspection::State::running;
  registry.add(provider, {});
  start();
  auto dry = submission("a");
  dry.request.dry_run = true;
  const Job done = manager->wait(manager->submit(dry).id, 10s);
  ASSERT_TRUE(done.outcome);
  EXPECT_EQ(done.outcome->details["dry_run"], true);
  EXPECT_TRUE(done.request.dry_run);
  EXPECT_EQ(provider->calls.load(), 0);
}

TEST_F(ManagerTest, EightThreadsSubmitAtOnce) {
  registry.add(
      std::make_shared<SyncProvider>(
          "t.sync", [](const sdk::StopRequest&, sdk::StopContext&) { return stopped(); }, 64),
      {});
  start();
  constexpr int kThreads = 8;
  constexpr int kEach = 50;
  std::mutex mutex;
  std::vector<std::string> ids;
  const auto begun = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const Job job =
            manager->submit(submission("t" + std::to_string(t) + "-" + std::to_string(i)));
        std::lock_guard lock(mutex);
        ids.push_back(job.id);
      }
    });
  for (auto& thread : threads) thread.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begun).count();
  std::printf("[ jobs     ] %d submits from %d threads in %.3f s (%.0f/s)\n", kThreads * kEach,
              kThreads, seconds, kThreads * kEach / seconds);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(),
            static_cast<std::size_t>(kThreads * kEach));
  for (const auto& id : ids) {
    const Job job = manager->wait(id, 10s);
    ASSERT_TRUE(job.outcome) << id;
    EXPECT_EQ(job.outcome->code, Code::stopped);
  }
  JobFilter finished;
  finished.states = {JobState::finished};
  EXPECT_EQ(journaled(finished), static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(journaled(), static_cast<std::size_t>(kThreads * kEach));
}

// What submit() costs one caller (validation, the durable insert, the dispatch), with the
// journal's synchronous=FULL and NORMAL. Prints the figures.
TEST_F(ManagerTest, SubmitLatency) {
  registry.add(
      std::make_shared<SyncProvider>(
          "t.sync", [](const sdk::StopRequest&, sdk::StopContext&) { return stopped(); }, 64),
      {});
  for (const bool sync_full : {true, false}) {
    stop();
    std::filesystem::remove(dir.journal());
    core::JournalOptions journal;
    journal.sync_full = sync_full;
    start(fast_options(), {}, journal);
    std::vector<std::int64_t> us;
    for (int i = 0; i < 300; ++i) {
      const auto begun = std::chrono::steady_clock::now();
      manager->submit(submission("lat-" + std::to_string(i)));
      us.push_back(std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::steady_clock::now() - begun)
                       .count());
    }
    std::sort(us.begin(), us.end());
    std::printf("[ jobs     ] submit() with sync=%s: p50 %lld us, p99 %lld us\n",
                sync_full ? "full" : "normal", static_cast<long long>(us[us.size() / 2]),
                static_cast<long long>(us[us.size() * 99 / 100]));
    EXPECT_TRUE(eventually([&] { return manager->in_flight() == 0; }));
  }
}

TEST_F(ManagerTest, PrunesFinishedJobsPastTheRetention) {
  registry.add(std::make_shared<SyncProvider>(
                   "t.sync", [](const sdk::StopRequest&, sdk::StopContext&) { return stopped(); }),
               {});
  const auto now = std::chrono::system_clock::now();
  auto old_job = [&](std::string id) {
    Job job = full_job(std::move(id));
    job.request_id.clear();
    job.finished = std::chrono::floor<std::chrono::milliseconds>(now - 48h);
    return job;
  };
  dispatcher = std::make_unique<core::Dispatcher>(registry, fast_options());
  store = std::make_unique<core::JobStore>(dir.journal());
  store->insert(old_job("j-before-start"));
  Job recent = full_job("j-recent");
  recent.request_id.clear();
  recent.finished = std::chrono::floor<std::chrono::milliseconds>(now - 1h);
  store->insert(recent);
  Job unfinished = pending_job("j-old-unfinished", 1'000);
  store->insert(unfinished);

  core::JobManagerOptions options;
  options.retention = 24h;
  options.prune_interval = 1s;
  manager = std::make_unique<core::JobManager>(*dispatcher, *store, options);
  EXPECT_TRUE(eventually([&] { return !store->get("j-before-start"); }, 5s));  // at start
  store->insert(old_job("j-later"));
  EXPECT_TRUE(eventually([&] { return !store->get("j-later"); }, 5s));  // every interval
  EXPECT_TRUE(store->get("j-recent"));
  EXPECT_TRUE(store->get("j-old-unfinished"));
}

TEST_F(ManagerTest, MustBeCreatedBeforeTheFirstSubmit) {
  registry.add(std::make_shared<SyncProvider>(
                   "t.sync", [](const sdk::StopRequest&, sdk::StopContext&) { return stopped(); }),
               {});
  dispatcher = std::make_unique<core::Dispatcher>(registry, fast_options());
  store = std::make_unique<core::JobStore>(dir.journal());
  dispatcher->stop(request_for("t.sync", "early"));
  EXPECT_THROW(core::JobManager(*dispatcher, *store), std::logic_error);
}

TEST_F(ManagerTest, GetShowsProgressOfAJobInFlight) {
  auto holding = std::make_shared<HoldingProvider>("t.hold");
  registry.add(holding, {});
  start();
  const Job job = manager->submit(submission("a", 10, "t.hold"));
  const auto seen = manager->get(job.id);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->state, JobState::running);
  EXPECT_EQ(seen->attempts, 1u);
  EXPECT_EQ(seen->request.target["id"], "a");
  EXPECT_EQ(manager->in_flight(), 1u);
  EXPECT_FALSE(manager->get("j-nope"));
  expect_stop_error(Code::not_found, "no job", [&] { manager->wait("j-nope", 10ms); });
  // wait() with a timeout returns the job as it is.
  EXPECT_EQ(manager->wait(job.id, 20ms).state, JobState::running);
  holding->release_all();
}

}  // namespace
}  // namespace stopd::test
