// Stop through the daemon, with and without `wait`, against real processes.
#include <gtest/gtest.h>

#include "daemon_harness.hpp"
#include "stopd/test/child_process.hpp"

namespace stopd::e2e {
namespace {

using stopd::test::spawn_child;

TEST(DaemonStop, WithoutWaitTheJobIsAcceptedThenFinishes) {
  TestDaemon daemon;
  daemon.start();
  auto stub = daemon.stub();
  auto child = spawn_child({"--exit-on-term"});

  v1::Job job;
  auto context = call_context();
  const grpc::Status status = stub->Stop(context.get(), stop_pid(child.pid(), 5.0), &job);
  ASSERT_TRUE(status.ok()) << describe(status);
  EXPECT_TRUE(job.id().starts_with("j-")) << job.DebugString();
  EXPECT_EQ(job.type(), "local.process");
  EXPECT_EQ(job.requester(), "unix");
  EXPECT_EQ(job.target().fields().at("pid").number_value(), child.pid());
  EXPECT_EQ(job.grace_seconds(), 5.0);
  EXPECT_TRUE(job.has_created());

  const v1::Job finished = wait_finished(*stub, job.id(), 20s);
  ASSERT_EQ(finished.state(), v1::JOB_STATE_FINISHED) << finished.DebugString();
  EXPECT_EQ(finished.outcome().code(), "stopped") << finished.DebugString();
  EXPECT_FALSE(finished.outcome().forced());
  EXPECT_TRUE(finished.has_finished());
  EXPECT_FALSE(finished.stop_id().empty());
  EXPECT_TRUE(child.wait_exit(10s).has_value()) << "the child still runs after 'stopped'";
}

TEST(DaemonStop, WithWaitTheAnswerIsTheFinishedJob) {
  TestDaemon daemon;
  daemon.start();
  auto stub = daemon.stub();
  auto child = spawn_child({"--exit-on-term"});

  v1::Job job;
  auto context = call_context(30s);
  const grpc::Status status = stub->Stop(context.get(), stop_pid(child.pid(), 5.0, true), &job);
  ASSERT_TRUE(status.ok()) << describe(status);
  EXPECT_EQ(job.state(), v1::JOB_STATE_FINISHED) << job.DebugString();
  EXPECT_EQ(job.outcome().code(), "stopped") << job.DebugString();
  EXPECT_FALSE(child.running());
  // The details are the provider's facts, passed through.
  EXPECT_TRUE(job.outcome().has_details()) << job.DebugString();
}

TEST(DaemonStop, ImmediateStopsATermIgnoringProcessAtOnce) {
  TestDaemon daemon;
  daemon.start();
  auto stub = daemon.stub();
  auto child = spawn_child({"--ignore-term"});

  v1::StopRequest request = stop_pid(child.pid(), std::nullopt, true);
  request.set_mode(v1::MODE_IMMEDIATE);
  v1::Job job;
  auto context = call_context(30s);
  const grpc::Status status = stub->Stop(context.get(), request, &job);
  ASSERT_TRUE(status.ok()) << describe(status);
  EXPECT_EQ(job.state(), v1::JOB_STATE_FINISHED) << job.DebugString();
  EXPECT_EQ(job.outcome().code(), "stopped") << job.DebugString();
  EXPECT_EQ(job.mode(), v1::MODE_IMMEDIATE);
  EXPECT_FALSE(child.running());
}

TEST(DaemonStop, TheSameRequestIdGivesTheSameJob) {
  TestDaemon daemon;
  daemon.start();
  auto stub = daemon.stub();
  auto child = spawn_child({"--exit-on-term"});

  v1::StopRequest request = stop_pid(child.pid(), 5.0);
  request.set_request_id("nightly-42");
  v1::Job first;
  v1::Job second;
  auto context1 = call_context();
  ASSERT_TRUE(stub->Stop(context1.get(), request, &first).ok());
  auto context2 = call_context();
  const grpc::Status status = stub->Stop(context2.get(), request, &second);
  ASSERT_TRUE(status.ok()) << describe(status);
  EXPECT_EQ(first.id(), second.id());
  EXPECT_EQ(second.request_id(), "nightly-42");
}

TEST(DaemonStop, DryRunSignalsNothing) {
  TestDaemon daemon;
  daemon.start();
  auto stub = daemon.stub();
  auto child = spawn_child({"--exit-on-term"});

  v1::StopRequest request = stop_pid(child.pid(), 5.0, true);
  request.set_dry_run(true);
  v1::Job job;
  auto context = call_context(30s);
  const grpc::Status status = stub->Stop(context.get(), request, &job);
  ASSERT_TRUE(status.ok()) << describe(status);
  EXPECT_TRUE(job.dry_run());
  EXPECT_EQ(job.state(), v1::JOB_STATE_FINISHED) << job.DebugString();
  EXPECT_TRUE(child.running()) << "a dry run stopped the process";
}

// Timing: a wait that cannot end before the call's deadline answers with the job as it is.
TEST(DaemonStopTiming, WaitReturnsTheRunningJobBeforeTheCallDeadline) {
  TestDaemon daemon;
  daemon.start();
  auto stub = daemon.stub();
  auto child = spawn_child({"--ignore-term"});

  v1::Job job;
  auto context = call_context(2s);
  const auto started = std::chrono::steady_clock::now();
  const grpc::Status status = stub->Stop(context.get(), stop_pid(child.pid(), 60.0, true), &job);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(status.ok()) << describe(status);
  EXPECT_NE(job.state(), v1::JOB_STATE_FINISHED) << job.DebugString();
  EXPECT_FALSE(job.id().empty());
  EXPECT_GE(elapsed, 1s);
  EXPECT_LT(elapsed, 2s);
  EXPECT_TRUE(child.running());
}

}  // namespace
}  // namespace stopd::e2e
