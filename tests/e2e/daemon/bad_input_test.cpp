// Malformed Stop requests: each is INVALID_ARGUMENT with the field named, nothing is journaled,
// and the process named is left alone.
#include <gtest/gtest.h>

#include <limits>

#include "daemon_harness.hpp"
#include "stopd/test/child_process.hpp"

namespace stopd::e2e {
namespace {

using stopd::test::spawn_child;

class DaemonBadInput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    daemon_ = new TestDaemon();
    daemon_->start();
  }
  static void TearDownTestSuite() {
    delete daemon_;
    daemon_ = nullptr;
  }

  grpc::Status stop(const v1::StopRequest& request) {
    auto stub = daemon_->stub();
    v1::Job job;
    auto context = call_context();
    return stub->Stop(context.get(), request, &job);
  }

  // INVALID_ARGUMENT whose message starts with (or names) `field`.
  void expect_invalid(const v1::StopRequest& request, const std::string& field) {
    const grpc::Status status = stop(request);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << describe(status);
    EXPECT_TRUE(contains(status.error_message(), field))
        << "expected the field " << field << " in: " << describe(status);
  }

  static TestDaemon* daemon_;
};

TestDaemon* DaemonBadInput::daemon_ = nullptr;

TEST_F(DaemonBadInput, EmptyType) {
  v1::StopRequest request = stop_pid(4242);
  request.set_type("");
  expect_invalid(request, "type");
}

TEST_F(DaemonBadInput, UnknownType) {
  v1::StopRequest request = stop_pid(4242);
  request.set_type("no.such.type");
  expect_invalid(request, "type");
  EXPECT_TRUE(contains(stop(request).error_message(), "local.process"))
      << "the message should list the loaded types";
}

TEST_F(DaemonBadInput, NegativeGrace) {
  expect_invalid(stop_pid(4242, -1.0), "grace_seconds");
}

TEST_F(DaemonBadInput, NotANumberGrace) {
  expect_invalid(stop_pid(4242, std::numeric_limits<double>::quiet_NaN()), "grace_seconds");
  expect_invalid(stop_pid(4242, std::numeric_limits<double>::infinity()), "grace_seconds");
  expect_invalid(stop_pid(4242, 1e300), "grace_seconds");
}

TEST_F(DaemonBadInput, GraceWithImmediate) {
  v1::StopRequest request = stop_pid(4242, 5.0);
  request.set_mode(v1::MODE_IMMEDIATE);
  expect_invalid(request, "grace_seconds");
}

TEST_F(DaemonBadInput, UnboundedWithImmediate) {
  v1::StopRequest request = stop_pid(4242);
  request.set_mode(v1::MODE_IMMEDIATE);
  request.set_unbounded_grace(true);
  expect_invalid(request, "unbounded_grace");
}

TEST_F(DaemonBadInput, UnboundedAndGraceTogether) {
  v1::StopRequest request = stop_pid(4242, 5.0);
  request.set_unbounded_grace(true);
  expect_invalid(request, "unbounded_grace");
}

TEST_F(DaemonBadInput, UnknownMode) {
  v1::StopRequest request = stop_pid(4242);
  request.set_mode(static_cast<v1::Mode>(7));
  expect_invalid(request, "mode");
}

TEST_F(DaemonBadInput, ZeroOrNegativeDeadline) {
  v1::StopRequest request = stop_pid(4242, 5.0);
  request.set_deadline_seconds(0);
  expect_invalid(request, "deadline_seconds");
  request.set_deadline_seconds(-3);
  expect_invalid(request, "deadline_seconds");
}

TEST_F(DaemonBadInput, TargetThatFailsTheSchema) {
  v1::StopRequest request;
  request.set_type("local.process");
  (*request.mutable_target()->mutable_fields())["pid"].set_string_value("abc");
  expect_invalid(request, "target");
  v1::StopRequest empty;
  empty.set_type("local.process");
  expect_invalid(empty, "target");
}

TEST_F(DaemonBadInput, OversizedTarget) {
  v1::StopRequest request = stop_pid(4242);
  (*request.mutable_target()->mutable_fields())["padding"].set_string_value(
      std::string(20 * 1024, 'x'));
  expect_invalid(request, "target");
}

TEST_F(DaemonBadInput, MessageOverTheSizeLimitIsRefusedByTheServer) {
  v1::StopRequest request = stop_pid(4242);
  (*request.mutable_target()->mutable_fields())["padding"].set_string_value(
      std::string(2 * 1024 * 1024, 'x'));
  const grpc::Status status = stop(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << describe(status);
}

TEST_F(DaemonBadInput, OversizedRequestId) {
  v1::StopRequest request = stop_pid(4242, 5.0);
  request.set_request_id(std::string(300, 'r'));
  expect_invalid(request, "request_id");
}

TEST_F(DaemonBadInput, EmptyJobIds) {
  auto stub = daemon_->stub();
  v1::Job job;
  auto context = call_context();
  const grpc::Status get = stub->GetJob(context.get(), {}, &job);
  EXPECT_EQ(get.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << describe(get);
  EXPECT_TRUE(contains(get.error_message(), "id")) << describe(get);
}

TEST_F(DaemonBadInput, NothingWasJournaledAndNothingSignalled) {
  auto child = spawn_child({"--exit-on-term"});
  v1::StopRequest request = stop_pid(child.pid(), -5.0);
  expect_invalid(request, "grace_seconds");
  request = stop_pid(child.pid(), 5.0);
  request.set_mode(v1::MODE_IMMEDIATE);
  expect_invalid(request, "grace_seconds");
  EXPECT_TRUE(child.running());

  auto stub = daemon_->stub();
  v1::ListJobsResponse jobs;
  auto context = call_context();
  ASSERT_TRUE(stub->ListJobs(context.get(), {}, &jobs).ok());
  for (const auto& job : jobs.jobs())
    EXPECT_NE(job.target().fields().at("pid").number_value(), child.pid()) << job.DebugString();
}

}  // namespace
}  // namespace stopd::e2e
