// ScheduleService through the real daemon, where stopctl cannot show it: an UpdateSchedule with
// if_unchanged_from is a read-modify-write that loses to no one. A change by another client
// between the read and the write (here a pause) makes it ABORTED and leaves the schedule as
// that client left it; unset, the last writer wins as before.
#include <gtest/gtest.h>

#include "daemon_harness.hpp"

namespace stopd::e2e {
namespace {

v1::ScheduleDefinition nightly() {
  v1::ScheduleDefinition definition;
  definition.set_name("nightly");
  definition.set_cron("0 3 * * *");
  definition.set_tz("UTC");
  definition.set_overlap("forbid");
  definition.set_plan("steps:\n  - {name: a, type: local.process, grace: 5, target: {pid: 1}}\n");
  return definition;
}

TEST(DaemonSchedules, AnUpdateOfAScheduleChangedSinceItWasReadIsAbortedAndChangesNothing) {
  TestDaemon daemon;
  daemon.start();
  auto stub = v1::ScheduleService::NewStub(daemon.channel());
  v1::Schedule schedule;
  {
    grpc::ClientContext context;
    v1::CreateScheduleRequest request;
    *request.mutable_schedule() = nightly();
    ASSERT_TRUE(stub->CreateSchedule(&context, request, &schedule).ok());
  }
  const v1::ScheduleDefinition read = schedule.definition();
  {
    grpc::ClientContext context;  // another client pauses it
    v1::PauseScheduleRequest request;
    request.set_name("nightly");
    ASSERT_TRUE(stub->PauseSchedule(&context, request, &schedule).ok());
  }
  v1::UpdateScheduleRequest update;
  *update.mutable_schedule() = read;
  update.mutable_schedule()->set_cron("30 4 * * *");
  *update.mutable_if_unchanged_from() = read;
  for (const bool dry_run : {true, false}) {
    grpc::ClientContext context;
    update.set_dry_run(dry_run);
    const grpc::Status status = stub->UpdateSchedule(&context, update, &schedule);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED) << status.error_message();
    EXPECT_TRUE(contains(status.error_message(), "schedule nightly changed since it was read"))
        << status.error_message();
  }
  {
    grpc::ClientContext context;
    v1::GetScheduleRequest request;
    request.set_name("nightly");
    ASSERT_TRUE(stub->GetSchedule(&context, request, &schedule).ok());
    EXPECT_EQ(schedule.definition().cron(), "0 3 * * *");  // not the aborted update's
    EXPECT_TRUE(schedule.definition().paused());           // the other client's change stays
  }
  {
    grpc::ClientContext context;  // read again: applies
    *update.mutable_if_unchanged_from() = schedule.definition();
    update.mutable_schedule()->set_paused(true);
    update.set_dry_run(false);
    const grpc::Status status = stub->UpdateSchedule(&context, update, &schedule);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(schedule.definition().cron(), "30 4 * * *");
  }
  {
    grpc::ClientContext context;  // unset: the last writer wins
    update.clear_if_unchanged_from();
    update.mutable_schedule()->set_cron("@daily");
    const grpc::Status status = stub->UpdateSchedule(&context, update, &schedule);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(schedule.definition().cron(), "@daily");
  }
}

}  // namespace
}  // namespace stopd::e2e
