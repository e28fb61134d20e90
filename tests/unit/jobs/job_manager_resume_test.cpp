// Crash, restart, resume; and drain, whose leftovers must stay resumable although the host
// cancels their stops when it shuts down.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <map>
#include <set>
#include <thread>

#include "manager_fixture.hpp"

namespace stopd::test {
namespace {

using core::Job;
using core::JobFilter;
using core::JobState;
using sdk::Code;
using namespace std::chrono_literals;

class ResumeTest : public ManagerTest {
 protected:
  // One life of the daemon whose provider ("t.hold") holds every stop: submits or resumes, waits
  // until the journal shows every job running, then "crashes": the manager goes without
  // finishing anything (drain with no time), then the host, which cancels the stops.
  void live_and_crash(const std::vector<std::string>& targets, std::size_t expect_resumed) {
    registry = core::ProviderRegistry();
    auto holding = std::make_shared<HoldingProvider>("t.hold");
    registry.add(holding, {});
    start();
    EXPECT_EQ(manager->resume_unfinished(), expect_resumed);
    for (const auto& target : targets)
      ids.push_back(manager->submit(submission(target, 60, "t.hold")).id);
    JobFilter running;
    running.states = {JobState::running};
    ASSERT_TRUE(eventually([&] { return journaled(running) == ids.size(); }))
        << journaled(running) << " of " << ids.size() << " running in the journal";
    EXPECT_EQ(manager->drain(0ms), ids.size());
    stop();
  }

  // A life whose provider stops everything at once.
  std::shared_ptr<SyncProvider> live_and_finish() {
    registry = core::ProviderRegistry();
    auto quick = std::make_shared<SyncProvider>(
        "t.hold", [this](const sdk::StopRequest& request, sdk::StopContext&) {
          std::lock_guard lock(mutex);
          graces.push_back(request.grace);
          return stopped("stopped after restart");
        });
    registry.add(quick, {});
    start();
    return quick;
  }

  std::vector<std::string> ids;
  std::mutex mutex;
  std::vector<std::optional<std::chrono::milliseconds>> graces;
};

TEST_F(ResumeTest, ResumesEveryUnfinishedJobAfterACrashUnderItsOwnId) {
  live_and_crash({"r0", "r1", "r2", "r3", "r4"}, 0);
  {
    // The journal after the crash: all five unfinished, none with an outcome.
    core::JobStore journal(dir.journal());
    const auto unfinished = journal.unfinished();
    ASSERT_EQ(unfinished.size(), 5u);
    for (const Job& job : unfinished) {
      EXPECT_EQ(job.state, JobState::running);
      EXPECT_FALSE(job.outcome);
      EXPECT_EQ(job.resumed, 0u);
    }
  }

  auto quick = live_and_finish();
  EXPECT_EQ(manager->resume_unfinished(), 5u);
  EXPECT_EQ(manager->resume_unfinished(), 0u);  // a job resumed twice is still one job
  for (const auto& id : ids) {
    const Job job = manager->wait(id, 10s);
    ASSERT_TRUE(job.outcome) << id;
    EXPECT_EQ(job.outcome->code, Code::stopped);
    EXPECT_EQ(job.outcome->message, "stopped after restart");
    EXPECT_EQ(job.resumed, 1u);
    EXPECT_EQ(job.attempts, 2u);  // one before the crash, one after
    EXPECT_EQ(job.id, id);
  }
  EXPECT_EQ(journaled(), 5u);  // no duplicates
  EXPECT_EQ(quick->calls.load(), 5);
  // What was left of a 60 s grace a moment after it began.
  std::lock_guard lock(mutex);
  ASSERT_EQ(graces.size(), 5u);
  for (const auto& grace : graces) {
    ASSERT_TRUE(grace);
    EXPECT_LE(*grace, 60s);
    EXPECT_GT(*grace, 50s);
  }
}

TEST_F(ResumeTest, AJobWhoseDeadlinePassedWhileStopdWasDownEndsWithoutTouchingTheResource) {
  live_and_crash({"late", "in-time"}, 0);
  {
    // While stopd is down, the first job's deadline passes (as if the restart took minutes).
    core::JobStore journal(dir.journal());
    auto unfinished = journal.unfinished();
    ASSERT_EQ(unfinished.size(), 2u);
    for (Job& job : unfinished)
      if (job.request.target["id"] == "late") {
        job.deadline = std::chrono::system_clock::now() - 1s;
        journal.update_many({job});
      }
  }

  auto quick = live_and_finish();
  EXPECT_EQ(manager->resume_unfinished(), 1u) << "only the job still in time runs again";
  for (const auto& id : ids) {
    const Job job = manager->wait(id, 10s);
    ASSERT_TRUE(job.outcome) << id;
    EXPECT_EQ(job.resumed, 1u);
    if (job.request.target["id"] == "late") {
      EXPECT_EQ(job.outcome->code, Code::deadline_exceeded);
      EXPECT_NE(job.outcome->message.find("passed while stopd was not running; the resource was "
                                          "not touched again"),
                std::string::npos)
          << job.outcome->message;
      EXPECT_EQ(job.attempts, 1u) << "no attempt after the restart";
    } else {
      EXPECT_EQ(job.outcome->code, Code::stopped);
    }
  }
  EXPECT_EQ(quick->calls.load(), 1) << "the late job's resource was touched again";
  // Its end is in the journal, not only in memory.
  EXPECT_TRUE(store->unfinished().empty());
}

TEST_F(ResumeTest, AJobInFlightAtTwoUncleanEndsInARowIsQuarantinedInsteadOfRunAgain) {
  live_and_crash({"poison", "innocent"}, 0);
  std::string poison_id;
  {
    // The journal as two crashes in a row leave it: the poison job was in flight at the first
    // (counted at the start after it) and the session of the second start never closed.
    core::JobStore journal(dir.journal());
    for (const Job& job : journal.unfinished())
      if (job.request.target["id"] == "poison") poison_id = job.id;
  }
  ASSERT_FALSE(poison_id.empty());
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir.journal().c_str(), &db), SQLITE_OK);
    const std::string sql = "INSERT INTO interruptions (job_id, count) VALUES ('" + poison_id +
                            "', 1); INSERT INTO meta (key, value) VALUES ('session', 'pid 1')";
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }

  auto quick = live_and_finish();
  EXPECT_EQ(manager->resume_unfinished(), 1u) << "only the innocent job runs again";
  const Job poison = manager->wait(poison_id, 10s);
  ASSERT_TRUE(poison.outcome);
  EXPECT_EQ(poison.outcome->code, Code::internal);
  EXPECT_TRUE(poison.outcome->message.starts_with(
      "quarantined: stopd ended without a clean shutdown 2 times in a row while this job was in "
      "flight (a crash or exit() in the t.hold plugin"))
      << poison.outcome->message;
  for (const auto& id : ids) {
    if (id == poison_id) continue;
    EXPECT_EQ(manager->wait(id, 10s).outcome->code, Code::stopped);
  }
  EXPECT_EQ(quick->calls.load(), 1) << "the quarantined job's stop ran again";
  EXPECT_TRUE(store->unfinished().empty());
}

TEST_F(ResumeTest, AJobResumedInTwoRestartsIsStillOneJob) {
  live_and_crash({"a", "b"}, 0);
  live_and_crash({"c"}, 2);  // resumes a and b, adds c, crashes again
  live_and_finish();
  EXPECT_EQ(manager->resume_unfinished(), 3u);
  std::map<std::string, unsigned> resumed;
  for (const auto& id : ids) {
    const Job job = manager->wait(id, 10s);
    ASSERT_TRUE(job.is_finished()) << id;
    resumed[job.request.target["id"].get<std::string>()] = job.resumed;
  }
  EXPECT_EQ(resumed["a"], 2u);
  EXPECT_EQ(resumed["b"], 2u);
  EXPECT_EQ(resumed["c"], 1u);
  EXPECT_EQ(journaled(), 3u);
}

TEST_F(ResumeTest, DrainLeavesUnfinishedJobsUnfinishedThoughTheHostCancelsThem) {
  auto holding = std::make_shared<HoldingProvider>("t.hold");
  registry.add(holding, {});
  registry.add(std::make_shared<SyncProvider>(
                   "t.sync", [](const sdk::StopRequest&, sdk::StopContext&) { return stopped(); }),
               {});
  start();
  const Job quick = manager->wait(manager->submit(submission("quick")).id, 10s);
  ASSERT_TRUE(quick.is_finished());
  const Job a = manager->submit(submission("a", 60, "t.hold"));
  const Job b = manager->submit(submission("b", 60, "t.hold"));
  const Job c = manager->submit(submission("c", 60, "t.hold"));
  const Job d = manager->submit(submission("d", 60, "t.hold"));

  // d finishes while the drain waits: that end is journaled as usual.
  std::thread finisher([&] {
    std::this_thread::sleep_for(50ms);
    holding->release("d");
  });
  EXPECT_EQ(manager->drain(300ms), 3u);
  finisher.join();
  EXPECT_EQ(manager->in_flight(), 3u);
  try {
    manager->submit(submission("late", 10, "t.hold"));
    ADD_FAILURE() << "accepted while draining";
  } catch (const sdk::StopError& e) {
    EXPECT_EQ(e.code(), Code::unavailable);
    EXPECT_STREQ(e.what(), "stopd is shutting down");
  }
  EXPECT_EQ(manager->resume_unfinished(), 0u);

  // After the drain: a success is still a fact worth journaling...
  holding->release("c", Code::stopped);
  EXPECT_TRUE(manager->wait(c.id, 10s).is_finished());
  // ...but the host's shutdown, while the manager still listens, cancels a and b: not journaled.
  dispatcher.reset();
  EXPECT_FALSE(manager->wait(a.id, 200ms).is_finished());
  manager.reset();

  for (const Job* job : std::initializer_list<const Job*>{&a, &b}) {
    const auto journaled_job = store->get(job->id);
    ASSERT_TRUE(journaled_job);
    EXPECT_FALSE(journaled_job->is_finished()) << job->id;
    EXPECT_FALSE(journaled_job->outcome) << job->id;
  }
  EXPECT_EQ(store->get(c.id)->outcome->code, Code::stopped);
  EXPECT_EQ(store->get(d.id)->outcome->code, Code::stopped);
  EXPECT_EQ(store->get(quick.id)->outcome->code, Code::stopped);
  EXPECT_EQ(store->unfinished().size(), 2u);
}

TEST_F(ResumeTest, DrainWaitsForJobsToFinish) {
  auto holding = std::make_shared<HoldingProvider>("t.hold");
  registry.add(holding, {});
  start();
  const Job job = manager->submit(submission("a", 60, "t.hold"));
  std::thread finisher([&] {
    std::this_thread::sleep_for(100ms);
    holding->release_all();
  });
  const auto begun = std::chrono::steady_clock::now();
  EXPECT_EQ(manager->drain(10s), 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - begun, 5s);
  finisher.join();
  EXPECT_TRUE(manager->wait(job.id, 10s).is_finished());
  manager.reset();
  EXPECT_TRUE(store->get(job.id)->is_finished());
}

TEST_F(ResumeTest, AnUnfinishedJobOfAGoneProviderEndsInvalidAfterResume) {
  live_and_crash({"a"}, 0);
  registry = core::ProviderRegistry();
  registry.add(std::make_shared<SyncProvider>(
                   "t.sync", [](const sdk::StopRequest&, sdk::StopContext&) { return stopped(); }),
               {});
  start();
  EXPECT_EQ(manager->resume_unfinished(), 1u);
  const Job job = manager->wait(ids[0], 10s);
  ASSERT_TRUE(job.outcome);
  EXPECT_EQ(job.outcome->code, Code::invalid_argument);
  EXPECT_TRUE(store->unfinished().empty());
}

}  // namespace
}  // namespace stopd::test
