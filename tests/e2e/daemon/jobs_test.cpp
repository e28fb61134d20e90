// GetJob, ListJobs (filters, paging) and CancelJob through the daemon.
#include <gtest/gtest.h>

#include <set>

#include "convert.hpp"
#include "daemon_harness.hpp"
#include "stopd/test/child_process.hpp"

namespace stopd::e2e {
namespace {

using stopd::test::spawn_child;

v1::Job stop(v1::StopService::Stub& stub, const v1::StopRequest& request) {
  v1::Job job;
  auto context = call_context(30s);
  const grpc::Status status = stub.Stop(context.get(), request, &job);
  if (!status.ok()) throw std::runtime_error("Stop: " + describe(status));
  return job;
}

v1::ListJobsResponse list(v1::StopService::Stub& stub, const v1::ListJobsRequest& request,
                          grpc::Status* status_out = nullptr) {
  v1::ListJobsResponse response;
  auto context = call_context();
  const grpc::Status status = stub.ListJobs(context.get(), request, &response);
  if (status_out != nullptr)
    *status_out = status;
  else if (!status.ok())
    throw std::runtime_error("ListJobs: " + describe(status));
  return response;
}

std::vector<std::string> ids_of(const v1::ListJobsResponse& response) {
  std::vector<std::string> ids;
  for (const auto& job : response.jobs()) ids.push_back(job.id());
  return ids;
}

TEST(DaemonJobs, GetJobShowsTheJobAndUnknownIdsAreNotFound) {
  TestDaemon daemon;
  daemon.start();
  auto stub = daemon.stub();
  auto child = spawn_child({"--exit-on-term"});
  const v1::Job accepted = stop(*stub, stop_pid(child.pid(), 5.0, true));

  v1::GetJobRequest request;
  request.set_id(accepted.id());
  v1::Job job;
  auto context = call_context();
  ASSERT_TRUE(stub->GetJob(context.get(), request, &job).ok());
  EXPECT_EQ(job.id(), accepted.id());
  EXPECT_EQ(job.state(), v1::JOB_STATE_FINISHED);

  request.set_id("j-00000000000000000000000000");
  auto context2 = call_context();
  const grpc::Status status = stub->GetJob(context2.get(), request, &job);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << describe(status);
  EXPECT_TRUE(contains(status.error_message(), "j-00000000000000000000000000")) << describe(status);

  v1::CancelJobRequest cancel;
  cancel.set_id("j-00000000000000000000000000");
  auto context3 = call_context();
  const grpc::Status cancelled = stub->CancelJob(context3.get(), cancel, &job);
  EXPECT_EQ(cancelled.error_code(), grpc::StatusCode::NOT_FOUND) << describe(cancelled);
}

TEST(DaemonJobs, ListFiltersByStateTypeAndTimeAndPages) {
  TestDaemon daemon;
  daemon.start();
  auto stub = daemon.stub();

  // Three finished jobs, then two that keep running (TERM-ignoring children, a long grace).
  std::vector<test::ChildProcess> children;
  std::set<std::string> finished_ids;
  std::set<std::string> running_ids;
  for (int i = 0; i < 3; ++i) {
    children.push_back(spawn_child({"--exit-on-term"}));
    finished_ids.insert(stop(*stub, stop_pid(children.back().pid(), 5.0, true)).id());
  }
  const auto between = std::chrono::system_clock::now();
  for (int i = 0; i < 2; ++i) {
    children.push_back(spawn_child({"--ignore-term"}));
    running_ids.insert(stop(*stub, stop_pid(children.back().pid(), 60.0)).id());
  }

  v1::ListJobsRequest all;
  const auto everything = list(*stub, all);
  ASSERT_EQ(everything.jobs_size(), 5);
  EXPECT_TRUE(everything.next_page_token().empty());
  // Newest first.
  for (int i = 1; i < everything.jobs_size(); ++i)
    EXPECT_GE(api::from_timestamp(everything.jobs(i - 1).created()),
              api::from_timestamp(everything.jobs(i).created()));

  v1::ListJobsRequest finished;
  finished.add_states(v1::JOB_STATE_FINISHED);
  const auto finished_ids_listed = ids_of(list(*stub, finished));
  EXPECT_EQ(std::set<std::string>(finished_ids_listed.begin(), finished_ids_listed.end()),
            finished_ids);

  v1::ListJobsRequest unfinished;
  unfinished.add_states(v1::JOB_STATE_PENDING);
  unfinished.add_states(v1::JOB_STATE_RUNNING);
  const auto unfinished_listed = ids_of(list(*stub, unfinished));
  EXPECT_EQ(std::set<std::string>(unfinished_listed.begin(), unfinished_listed.end()), running_ids);

  v1::ListJobsRequest other_type;
  other_type.set_type("cri.container");
  EXPECT_EQ(list(*stub, other_type).jobs_size(), 0);
  v1::ListJobsRequest this_type;
  this_type.set_type("local.process");
  EXPECT_EQ(list(*stub, this_type).jobs_size(), 5);

  v1::ListJobsRequest after;
  *after.mutable_created_after() = api::to_timestamp(between);
  const auto after_listed = ids_of(list(*stub, after));
  EXPECT_EQ(std::set<std::string>(after_listed.begin(), after_listed.end()), running_ids);
  v1::ListJobsRequest before;
  *before.mutable_created_before() = api::to_timestamp(between);
  const auto before_listed = ids_of(list(*stub, before));
  EXPECT_EQ(std::set<std::string>(before_listed.begin(), before_listed.end()), finished_ids);

  // Pages of two: 2 + 2 + 1, each job once, in the same order as the whole list.
  v1::ListJobsRequest paged;
  paged.set_page_size(2);
  std::vector<std::string> seen;
  int pages = 0;
  for (;;) {
    const auto page = list(*stub, paged);
    ++pages;
    ASSERT_LE(page.jobs_size(), 2);
    for (const auto& job : page.jobs()) seen.push_back(job.id());
    if (page.next_page_token().empty()) break;
    paged.set_page_token(page.next_page_token());
    ASSERT_LT(pages, 10) << "paging does not end";
  }
  EXPECT_EQ(seen, ids_of(everything));
  EXPECT_LE(pages, 4);

  for (const auto& id : running_ids) {
    v1::CancelJobRequest cancel;
    cancel.set_id(id);
    v1::Job job;
    auto context = call_context();
    EXPECT_TRUE(stub->CancelJob(context.get(), cancel, &job).ok());
  }
}

TEST(DaemonJobs, ListRefusesBadFiltersAndTokens) {
  TestDaemon daemon;
  daemon.start();
  auto stub = daemon.stub();

  grpc::Status status;
  v1::ListJobsRequest bad_token;
  bad_token.set_page_token("not-a-token");
  list(*stub, bad_token, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << describe(status);
  EXPECT_TRUE(contains(status.error_message(), "page_token")) << describe(status);

  v1::ListJobsRequest bad_state;
  bad_state.add_states(v1::JOB_STATE_UNSPECIFIED);
  list(*stub, bad_state, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << describe(status);
  EXPECT_TRUE(contains(status.error_message(), "states[0]")) << describe(status);

  v1::ListJobsRequest bad_range;
  const auto now = std::chrono::system_clock::now();
  *bad_range.mutable_created_after() = api::to_timestamp(now);
  *bad_range.mutable_created_before() = api::to_timestamp(now - 1h);
  list(*stub, bad_range, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << describe(status);
  EXPECT_TRUE(contains(status.error_message(), "created_after")) << describe(status);
}

TEST(DaemonJobs, CancelWithdrawsARunningStop) {
  TestDaemon daemon;
  daemon.start();
  auto stub = daemon.stub();
  auto child = spawn_child({"--ignore-term"});
  const v1::Job accepted = stop(*stub, stop_pid(child.pid(), 60.0));

  v1::CancelJobRequest request;
  request.set_id(accepted.id());
  v1::Job cancelled;
  auto context = call_context();
  const grpc::Status status = stub->CancelJob(context.get(), request, &cancelled);
  ASSERT_TRUE(status.ok()) << describe(status);
  const v1::Job job = wait_finished(*stub, accepted.id(), 20s);
  ASSERT_EQ(job.state(), v1::JOB_STATE_FINISHED) << job.DebugString();
  EXPECT_EQ(job.outcome().code(), "cancelled") << job.DebugString();
  // Withdrawn before its grace ran out: the process was asked (SIGTERM, ignored), never killed.
  EXPECT_TRUE(child.running());

  // Cancelling a finished job changes nothing.
  v1::Job again;
  auto context2 = call_context();
  ASSERT_TRUE(stub->CancelJob(context2.get(), request, &again).ok());
  EXPECT_EQ(again.outcome().code(), "cancelled");
}

}  // namespace
}  // namespace stopd::e2e
