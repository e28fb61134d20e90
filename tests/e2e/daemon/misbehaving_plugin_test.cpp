// What stopd does about a plugin that misbehaves in-process (tests/plugins/misbehaving_plugin.cpp):
// one that ignores its deadline and cancellation cannot hold up the exit past its documented
// bound, one that calls exit() does not pass for a daemon that could not start, and a stop that
// kills stopd at every start ends in quarantine instead of a crash loop.
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "daemon_harness.hpp"
#include "stopd/core/exit_codes.hpp"
#include "stopd/test/process_probe.hpp"

namespace stopd::e2e {
namespace {

json with_misbehaving_plugin(json overrides = json::object()) {
  overrides["plugins"] = json::array({STOPD_MISBEHAVING_PLUGIN});
  overrides["providers"]["test.misbehave"]["settings"]["hang_seconds"] = 120;
  return overrides;
}

v1::StopRequest misbehave(const std::string& what, double deadline_seconds = 60) {
  v1::StopRequest request;
  request.set_type("test.misbehave");
  auto& fields = *request.mutable_target()->mutable_fields();
  fields["id"].set_string_value("r-" + what);
  fields["do"].set_string_value(what);
  request.set_deadline_seconds(deadline_seconds);
  return request;
}

TEST(MisbehavingPluginTiming, SigtermExitsWithinTheDrainTimeoutThoughAStopNeverReturns) {
  TestDaemon daemon(with_misbehaving_plugin({{"drain_timeout_seconds", 1}}));
  daemon.start();
  auto stub = daemon.stub();
  v1::Job job;
  {
    auto context = call_context();
    const grpc::Status status = stub->Stop(context.get(), misbehave("hang"), &job);
    ASSERT_TRUE(status.ok()) << describe(status);
  }
  // The provider has it (and sleeps) before SIGTERM comes.
  ASSERT_TRUE(wait_job_running(*stub, job.id(), 10s)) << "never running\n" << daemon.log();

  const auto signalled = std::chrono::steady_clock::now();
  daemon.process().send(SIGTERM);
  const auto code = daemon.process().wait_exit(60s);
  const auto took = std::chrono::steady_clock::now() - signalled;
  ASSERT_TRUE(code.has_value()) << "stopd still runs 60 s after SIGTERM\n" << daemon.log();
  EXPECT_EQ(*code, 0) << daemon.log();
  // The README's bound: drain_timeout_seconds (1 s) + 2 s for plugins + the server's short
  // shutdown. Generous here (the plugin would hold it for 120 s); the bound is what is pinned.
  EXPECT_LT(took, 10s) << daemon.log();
  EXPECT_TRUE(contains(daemon.log(),
                       "abandoned (the plugin ignores its deadline and "
                       "cancellation)"))
      << daemon.log();
  EXPECT_TRUE(contains(daemon.log(), "1 unfinished job(s) left in the journal")) << daemon.log();
}

// A list() that never returns holds a server thread, and the server's shutdown waits for the
// calls it serves: the shutdown's own bound ends it.
TEST(MisbehavingPluginTiming, AListThatNeverReturnsCannotHoldUpTheExitPastItsBound) {
  TestDaemon daemon(with_misbehaving_plugin({{"drain_timeout_seconds", 1}}));
  daemon.start();
  const fs::path marker = daemon.dir() / "listing";
  std::thread caller([&, stub = daemon.stub()] {
    v1::ListTargetsRequest request;
    request.set_type("test.misbehave");
    auto& selector = *request.mutable_selector()->mutable_fields();
    selector["do"].set_string_value("hang");
    selector["marker"].set_string_value(marker.string());
    v1::ListTargetsResponse response;
    auto context = call_context(90s);
    (void)stub->ListTargets(context.get(), request, &response);  // ends when stopd does
  });
  ASSERT_TRUE(test::wait_until([&] { return fs::exists(marker); }, 30s)) << daemon.log();

  const auto signalled = std::chrono::steady_clock::now();
  daemon.process().send(SIGTERM);
  const auto code = daemon.process().wait_exit(60s);
  const auto took = std::chrono::steady_clock::now() - signalled;
  caller.join();
  ASSERT_TRUE(code.has_value()) << "stopd still runs 60 s after SIGTERM\n" << daemon.log();
  EXPECT_EQ(*code, core::exit_code::shutdown_stuck) << daemon.log();
  // The bound: drain_timeout_seconds (1 s) + 10 s; the plugin would hold it for 120 s.
  EXPECT_GE(took, 11s) << "exited before its bound: was list() still running?\n" << daemon.log();
  EXPECT_LT(took, 40s) << daemon.log();
  EXPECT_TRUE(contains(daemon.log(), "the shutdown outlasted its bound (11000 ms")) << daemon.log();
  EXPECT_TRUE(contains(daemon.log(), "while shutting down the gRPC server")) << daemon.log();
}

TEST(MisbehavingPluginTiming, APluginThatCallsExitEndsStopdWithCodeFourNotOne) {
  TestDaemon daemon(with_misbehaving_plugin());
  daemon.start();
  auto stub = daemon.stub();
  v1::Job job;
  auto context = call_context();
  (void)stub->Stop(context.get(), misbehave("exit"), &job);  // stopd may be gone before it answers
  const auto code = daemon.process().wait_exit(30s);
  ASSERT_TRUE(code.has_value()) << daemon.log();
  EXPECT_EQ(*code, 4) << daemon.log();
  EXPECT_TRUE(contains(daemon.log(),
                       "exit() was called by code stopd loaded (a plugin), not by "
                       "stopd: exiting 4"))
      << daemon.log();
}

TEST(MisbehavingPluginTiming, AStopThatKillsStopdAtEveryStartIsQuarantinedAndStopdServesAgain) {
  TestDaemon daemon(with_misbehaving_plugin());
  daemon.start();
  {
    // With a request_id the job is journaled before the plugin gets it, so the abort finds it
    // in the journal: a poison job.
    auto request = misbehave("abort", 600);
    request.set_request_id("poison-1");
    v1::Job job;
    auto context = call_context();
    (void)daemon.stub()->Stop(context.get(), request, &job);
  }
  auto code = daemon.process().wait_exit(30s);
  ASSERT_TRUE(code.has_value()) << daemon.log();
  EXPECT_EQ(*code, 128 + SIGABRT) << daemon.log();

  // The first restart resumes it (one unclean end so far) and dies the same way.
  daemon.spawn();
  code = daemon.process().wait_exit(30s);
  ASSERT_TRUE(code.has_value()) << "the poison job did not kill stopd again\n" << daemon.log();
  EXPECT_EQ(*code, 128 + SIGABRT) << daemon.log();

  // The second restart: two unclean ends in a row with the job in flight. Quarantined, and
  // stopd reaches SERVING.
  daemon.start();
  auto stub = daemon.stub();
  v1::ListJobsResponse listed;
  {
    v1::ListJobsRequest request;
    auto context = call_context();
    const grpc::Status status = stub->ListJobs(context.get(), request, &listed);
    ASSERT_TRUE(status.ok()) << describe(status);
  }
  ASSERT_EQ(listed.jobs_size(), 1);
  const v1::Job& job = listed.jobs(0);
  EXPECT_EQ(job.request_id(), "poison-1");
  EXPECT_EQ(job.state(), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(job.outcome().code(), "internal");
  EXPECT_TRUE(job.outcome().message().starts_with(
      "quarantined: stopd ended without a clean shutdown 2 times in a row while this job was in "
      "flight (a crash or exit() in the test.misbehave plugin"))
      << job.outcome().message();
  EXPECT_EQ(job.resumed(), 2u);
  // It stays served: the daemon is healthy after the quarantine.
  EXPECT_EQ(health_of(daemon.channel()), Health::serving);
}

}  // namespace
}  // namespace stopd::e2e
