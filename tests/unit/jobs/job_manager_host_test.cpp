// The manager over a whole Host (the real plugin loader and local.process) on a real process.
#include <gtest/gtest.h>

#include "jobs_test_support.hpp"
#include "stopd/core/host.hpp"
#include "stopd/jobs/job_manager.hpp"
#include "stopd/jobs/job_store.hpp"
#include "stopd/test/child_process.hpp"

namespace stopd::test {
namespace {

using namespace std::chrono_literals;

TEST(JobManagerOnHost, StopsARealProcessAndJournalsIt) {
  TempDir dir;
  const core::HostConfig config =
      core::parse_host_config({{"plugin_dirs", {STOPD_PLUGIN_BUILD_DIR}}}, "");
  core::Host host(config, {});
  ASSERT_NE(host.registry().find("local.process"), nullptr);
  core::JobStore store(dir.journal());
  core::JobManagerOptions options;
  options.dispatcher = config.dispatcher;
  core::JobManager manager(host, store, options);

  auto child = spawn_child({});
  core::JobSubmission submission;
  submission.request.type = "local.process";
  submission.request.target = {{"pid", child.pid()}};
  submission.request.grace = 5s;
  submission.requester = "unix";
  const core::Job accepted = manager.submit(submission);
  const core::Job done = manager.wait(accepted.id, 30s);
  ASSERT_TRUE(done.outcome);
  EXPECT_EQ(done.outcome->code, sdk::Code::stopped) << done.outcome->message;
  EXPECT_FALSE(child.running());
  const auto journaled = store.get(accepted.id);
  ASSERT_TRUE(journaled && journaled->outcome);
  EXPECT_EQ(journaled->outcome->code, sdk::Code::stopped);
  EXPECT_EQ(journaled->request.target["pid"], child.pid());
}

}  // namespace
}  // namespace stopd::test
