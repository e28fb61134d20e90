// A daemon's batch reads time from the dispatcher's clock only: the deadline the engine gives an
// item becomes the item's job deadline on that clock, and the batch's times are stamped on it.
// The runner once turned the engine's deadline into "time left" against the machine's steady
// clock, so on any other clock a step's 60 s deadline came out as whatever lay between the two.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "jobs_test_support.hpp"
#include "stopd/core/host.hpp"
#include "stopd/jobs/batch_manager.hpp"
#include "stopd/jobs/job_manager.hpp"
#include "stopd/jobs/job_store.hpp"
#include "stopd/test/fake_clock.hpp"

namespace stopd::test {
namespace {

using namespace std::chrono_literals;

TEST(BatchClock, AStepsDeadlineIsItsJobsDeadlineOnTheDispatchersClock) {
  TempDir dir;
  auto clock = std::make_shared<FakeClock>();
  core::HostConfig config = core::parse_host_config(
      {{"plugin_dirs", nlohmann::json::array()}, {"plugins", {STOPD_MISBEHAVING_PLUGIN}}}, "");
  config.dispatcher.clock = clock;
  core::Host host(config, {});
  core::JobStore store(dir.journal());
  core::JobManagerOptions options;
  options.dispatcher = config.dispatcher;
  core::JobManager jobs(host, store, options);
  core::BatchManager batches(host, jobs, store);
  clock->advance(1h);  // the dispatcher's time is now an hour ahead of the machine's

  core::BatchSubmission submission;
  submission.plan = nlohmann::json{{"version", 1},
                                   {"steps",
                                    {{{"name", "one"},
                                      {"type", "test.misbehave"},
                                      {"deadline", 60},
                                      {"target", {{"id", "r1"}, {"do", "ok"}}}}}}}
                        .dump();
  submission.source = "clock.json";
  submission.requester = "unix";
  const auto submitted = clock->wall_now();
  const core::BatchView batch = batches.submit(submission);
  ASSERT_TRUE(eventually([&] {
    const auto view = batches.get(batch.id);
    return view && view->finished;
  }));

  core::JobFilter filter;
  const auto page = jobs.list(filter);
  ASSERT_EQ(page.jobs.size(), 1u);
  const core::Job& job = page.jobs[0];
  ASSERT_TRUE(job.is_finished());
  EXPECT_EQ(job.request_id, "batch/" + batch.id + "/one#0");  // the item is step "one"'s first
  // 60 s from submission on the dispatcher's clock (which stands still here), to the millisecond
  // the journal keeps; an hour out with the machine's clock mixed in.
  EXPECT_GE(job.deadline, submitted + 59s);
  EXPECT_LE(job.deadline, submitted + 61s);
  const auto view = batches.get(batch.id);
  ASSERT_TRUE(view && view->finished_at);
  EXPECT_GE(*view->finished_at, std::chrono::floor<std::chrono::milliseconds>(submitted));
  EXPECT_LT(*view->finished_at, submitted + 1min);
}

}  // namespace
}  // namespace stopd::test
