// Crash safety: kill -9 the daemon while it stops real processes, start it again on the same
// journal. Every job it acknowledged ends finished, every process is stopped, no job twice.
// Each test runs with journal.sync "full" (every write a SQLite commit and an fsync) and
// "normal" (the job manager's writes go first to the journal's intent log).
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "daemon_harness.hpp"
#include "stopd/test/child_process.hpp"
#include "stopd/test/process_probe.hpp"

namespace stopd::e2e {
namespace {

using stopd::test::spawn_child;

std::vector<v1::Job> all_jobs(v1::StopService::Stub& stub) {
  std::vector<v1::Job> jobs;
  v1::ListJobsRequest request;
  request.set_page_size(1000);
  v1::ListJobsResponse response;
  auto context = call_context();
  const grpc::Status status = stub.ListJobs(context.get(), request, &response);
  if (!status.ok()) throw std::runtime_error("ListJobs: " + describe(status));
  jobs.assign(response.jobs().begin(), response.jobs().end());
  return jobs;
}

class DaemonCrashTiming : public ::testing::TestWithParam<std::string> {
 protected:
  static json config() { return {{"journal", {{"sync", GetParam()}}}}; }
};

INSTANTIATE_TEST_SUITE_P(JournalSync, DaemonCrashTiming, ::testing::Values("full", "normal"),
                         [](const auto& sync) { return sync.param; });

TEST_P(DaemonCrashTiming, KillNineMidFlightThenRestartFinishesEveryAcknowledgedJob) {
  TestDaemon daemon(config());
  daemon.start();
  auto stub = daemon.stub();

  // Processes that ignore SIGTERM, stopped with a 3 s grace: each stop takes 3 s, and the daemon
  // dies in the middle of all of them.
  constexpr int kCount = 4;
  std::vector<test::ChildProcess> children;
  std::map<std::string, pid_t> acknowledged;  // job id → pid
  for (int i = 0; i < kCount; ++i) {
    children.push_back(spawn_child({"--ignore-term"}));
    v1::Job job;
    auto context = call_context();
    const grpc::Status status =
        stub->Stop(context.get(), stop_pid(children.back().pid(), 3.0), &job);
    ASSERT_TRUE(status.ok()) << describe(status);
    acknowledged[job.id()] = children.back().pid();
  }
  // A job that was already finished before the crash must stay as it was.
  auto quick = spawn_child({"--exit-on-term"});
  v1::Job finished_before;
  {
    auto context = call_context(30s);
    ASSERT_TRUE(stub->Stop(context.get(), stop_pid(quick.pid(), 3.0, true), &finished_before).ok());
    ASSERT_EQ(finished_before.state(), v1::JOB_STATE_FINISHED);
  }

  daemon.kill9();
  for (const auto& child : children)
    EXPECT_TRUE(child.running()) << "a process ended before its grace: the test proves nothing";

  daemon.start();
  stub = daemon.stub();
  EXPECT_TRUE(contains(daemon.log(), "resumed " + std::to_string(kCount) + " unfinished job"))
      << daemon.log();

  for (const auto& [id, pid] : acknowledged) {
    const v1::Job job = wait_finished(*stub, id, 60s);
    ASSERT_EQ(job.state(), v1::JOB_STATE_FINISHED) << job.DebugString();
    EXPECT_TRUE(job.outcome().code() == "stopped" || job.outcome().code() == "already_stopped")
        << job.DebugString();
    EXPECT_GE(job.resumed(), 1u) << job.DebugString();
  }
  for (auto& child : children) {
    EXPECT_TRUE(child.wait_exit(10s).has_value()) << "pid " << child.pid() << " still runs";
  }

  const std::vector<v1::Job> jobs = all_jobs(*stub);
  std::set<std::string> ids;
  for (const auto& job : jobs) EXPECT_TRUE(ids.insert(job.id()).second) << "twice: " << job.id();
  EXPECT_EQ(jobs.size(), acknowledged.size() + 1);
  for (const auto& job : jobs)
    if (job.id() == finished_before.id()) {
      EXPECT_EQ(job.resumed(), 0u);
      EXPECT_EQ(job.outcome().code(), finished_before.outcome().code());
    }
}

// A Stop with wait is answered only at the end, so nothing about it is acknowledged before the
// kill; still, a stop that runs longer than an instant is journaled while it runs and resumed.
TEST_P(DaemonCrashTiming, KillNineDuringAStopWithWaitResumesIt) {
  TestDaemon daemon(config());
  daemon.start();
  auto stub = daemon.stub();
  auto child = spawn_child({"--ignore-term"});
  std::thread client([&] {
    v1::Job job;
    auto context = call_context();
    // Fails when the daemon dies under it.
    (void)stub->Stop(context.get(), stop_pid(child.pid(), 3.0, true), &job);
  });
  ASSERT_TRUE(stopd::test::wait_until([&] { return all_jobs(*stub).size() == 1; }, 20s))
      << "the waited-for job never appeared in the journal";
  daemon.kill9();
  client.join();
  ASSERT_TRUE(child.running()) << "the process ended before its grace: the test proves nothing";

  daemon.start();
  stub = daemon.stub();
  const std::vector<v1::Job> jobs = all_jobs(*stub);
  ASSERT_EQ(jobs.size(), 1u);
  const v1::Job job = wait_finished(*stub, jobs[0].id(), 60s);
  EXPECT_EQ(job.state(), v1::JOB_STATE_FINISHED) << job.DebugString();
  EXPECT_EQ(job.outcome().code(), "stopped") << job.DebugString();
  EXPECT_GE(job.resumed(), 1u) << job.DebugString();
  EXPECT_TRUE(child.wait_exit(10s).has_value()) << "pid " << child.pid() << " still runs";
}

// Jobs acknowledged an instant before the kill: a burst of stops with the daemon killed while
// the answers are still coming. Whatever was acknowledged ends finished after the restart.
TEST_P(DaemonCrashTiming, KillNineDuringABurstLosesNothingAcknowledged) {
  TestDaemon daemon(config());
  daemon.start();
  auto stub = daemon.stub();
  constexpr int kCount = 12;
  std::vector<test::ChildProcess> children;
  for (int i = 0; i < kCount; ++i) children.push_back(spawn_child({"--ignore-term"}));

  std::vector<std::string> acknowledged;
  std::mutex mutex;
  std::vector<std::thread> clients;
  for (int i = 0; i < kCount; ++i)
    clients.emplace_back([&, i] {
      v1::Job job;
      auto context = call_context();
      if (stub->Stop(context.get(), stop_pid(children[static_cast<std::size_t>(i)].pid(), 2.0),
                     &job)
              .ok()) {
        std::lock_guard lock(mutex);
        acknowledged.push_back(job.id());
      }
    });
  // Kill as soon as some are acknowledged, while others may still be in flight.
  stopd::test::wait_until(
      [&] {
        std::lock_guard lock(mutex);
        return acknowledged.size() >= kCount / 2;
      },
      20s);
  daemon.kill9();
  for (auto& client : clients) client.join();
  ASSERT_FALSE(acknowledged.empty());

  daemon.start();
  stub = daemon.stub();
  for (const auto& id : acknowledged) {
    const v1::Job job = wait_finished(*stub, id, 60s);
    EXPECT_EQ(job.state(), v1::JOB_STATE_FINISHED) << job.DebugString();
  }
  const std::vector<v1::Job> jobs = all_jobs(*stub);
  std::set<std::string> ids;
  for (const auto& job : jobs) EXPECT_TRUE(ids.insert(job.id()).second) << "twice: " << job.id();
  EXPECT_GE(jobs.size(), acknowledged.size());
  for (const auto& job : jobs) {
    // Journaled but not acknowledged is fine too: it must end all the same.
    const v1::Job final_job = wait_finished(*stub, job.id(), 60s);
    EXPECT_EQ(final_job.state(), v1::JOB_STATE_FINISHED) << final_job.DebugString();
  }
}

// Stops that end at once are journaled once, with their end, after they ended; with sync
// "normal" that write is an intent-log record the tables get a few milliseconds later. A kill
// right after the last answer must lose none of them.
TEST_P(DaemonCrashTiming, KillNineRightAfterQuickStopsKeepsEveryOne) {
  TestDaemon daemon(config());
  daemon.start();
  auto stub = daemon.stub();
  constexpr int kCount = 20;
  std::vector<test::ChildProcess> children;
  for (int i = 0; i < kCount; ++i) children.push_back(spawn_child({"--exit-on-term"}));
  std::map<std::string, std::string> acknowledged;  // id → state as answered
  for (auto& child : children) {
    v1::Job job;
    auto context = call_context();
    ASSERT_TRUE(stub->Stop(context.get(), stop_pid(child.pid(), 5.0), &job).ok());
    acknowledged[job.id()] = v1::JobState_Name(job.state());
  }
  daemon.kill9();

  daemon.start();
  stub = daemon.stub();
  for (const auto& [id, state] : acknowledged) {
    const v1::Job job = wait_finished(*stub, id, 60s);
    EXPECT_EQ(job.state(), v1::JOB_STATE_FINISHED)
        << "answered " << state << ": " << job.DebugString();
    EXPECT_TRUE(job.outcome().code() == "stopped" || job.outcome().code() == "already_stopped")
        << job.DebugString();
  }
  for (auto& child : children)
    EXPECT_TRUE(child.wait_exit(10s).has_value()) << "pid " << child.pid() << " still runs";
  const std::vector<v1::Job> jobs = all_jobs(*stub);
  std::set<std::string> ids;
  for (const auto& job : jobs) EXPECT_TRUE(ids.insert(job.id()).second) << "twice: " << job.id();
  EXPECT_EQ(jobs.size(), acknowledged.size());
}

}  // namespace
}  // namespace stopd::e2e
