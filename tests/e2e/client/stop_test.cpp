// `stopctl stop` through the real daemon: accepted jobs, --wait, dry runs, refusals.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "stopd/test/child_process.hpp"
#include "test_daemon.hpp"

namespace stopd::e2e {
namespace {

using stopd::test::spawn_child;

class ClientStop : public ::testing::Test {
 protected:
  TempDir dir_;
  TestDaemon daemon_{dir_};
};

TEST_F(ClientStop, WithoutWaitPrintsTheAcceptedJobThenShowFollowsIt) {
  auto child = spawn_child({"--exit-on-term"});
  const auto accepted =
      daemon_.stopctl({"stop", "local.process", pid_arg(child.pid()), "-o", "json"});
  ASSERT_EQ(accepted.exit_code, 0) << accepted;
  const auto job = accepted.json();
  const std::string id = job.value("id", "");
  EXPECT_TRUE(id.starts_with("j-")) << accepted;
  EXPECT_TRUE(job.value("state", "") == "pending" || job.value("state", "") == "running" ||
              job.value("state", "") == "finished")
      << accepted;
  EXPECT_EQ(job.value("type", ""), "local.process") << accepted;
  EXPECT_EQ(job["target"].value("pid", 0), child.pid()) << accepted;
  EXPECT_EQ(job.value("requester", ""), "unix") << accepted;

  const auto finished = wait_finished(daemon_, id);
  ASSERT_TRUE(finished.is_object());
  EXPECT_EQ(finished.value("code", ""), "stopped") << finished;
  EXPECT_EQ(finished.value("forced", true), false) << finished;
  EXPECT_TRUE(child.wait_exit(10s).has_value());

  const auto shown = daemon_.stopctl({"jobs", "show", id});
  EXPECT_EQ(shown.exit_code, 0) << shown;
  EXPECT_TRUE(shown.out.starts_with("job " + id + "\n")) << shown;
  const std::string pid = pid_arg(child.pid());
  for (const std::string& part :
       {std::string("state:"), std::string("finished (stopped)"), std::string("target:"), pid,
        std::string("requester:"), std::string("outcome:"), std::string("stopped: local.process")})
    EXPECT_TRUE(contains(shown.out, part)) << part << "\n" << shown;

  auto other = spawn_child({"--exit-on-term"});
  const auto human = daemon_.stopctl({"stop", "local.process", pid_arg(other.pid())});
  EXPECT_EQ(human.exit_code, 0) << human;
  EXPECT_TRUE(human.out.starts_with("accepted: job j-")) << human;
  EXPECT_TRUE(contains(human.out, "local.process " + pid_arg(other.pid()))) << human;
  EXPECT_TRUE(contains(human.out, "stopctl jobs watch j-") || contains(human.out, "finished"))
      << human;
}

TEST_F(ClientStop, WaitPrintsTheOutcomeLikeLocalMode) {
  auto child = spawn_child({"--exit-on-term"});
  const auto result =
      daemon_.stopctl({"stop", "local.process", pid_arg(child.pid()), "--wait", "-o", "json"});
  ASSERT_EQ(result.exit_code, 0) << result;
  const auto parsed = result.json();
  EXPECT_EQ(parsed.value("code", ""), "stopped") << result;
  EXPECT_EQ(parsed.value("forced", true), false) << result;
  EXPECT_TRUE(parsed.value("id", "").starts_with("j-")) << result;
  EXPECT_EQ(parsed.value("state", ""), "finished") << result;
  EXPECT_EQ(parsed.value("type", ""), "local.process") << result;
  EXPECT_EQ(parsed["target"].value("pid", 0), child.pid()) << result;
  EXPECT_FALSE(child.running());

  // The same fields as a local stop prints, and the same human line.
  auto local_child = spawn_child({"--exit-on-term"});
  const auto local =
      run_stopctl({"--local", "stop", "local.process", pid_arg(local_child.pid()), "-o", "json"});
  ASSERT_EQ(local.exit_code, 0) << local;
  const auto local_json = local.json();
  for (const auto& [key, value] : local_json.items())
    EXPECT_TRUE(parsed.contains(key)) << "missing '" << key << "'\n" << result;

  auto human_child = spawn_child({"--exit-on-term"});
  const auto human =
      daemon_.stopctl({"stop", "local.process", pid_arg(human_child.pid()), "--wait"});
  EXPECT_EQ(human.exit_code, 0) << human;
  EXPECT_TRUE(human.out.starts_with("stopped: local.process " + pid_arg(human_child.pid()) + ": "))
      << human;
  EXPECT_TRUE(contains(human.out, "forced: no")) << human;
  EXPECT_TRUE(human.err.empty()) << human;
}

TEST_F(ClientStop, AlreadyStoppedIsSuccess) {
  pid_t pid = 0;
  {
    auto child = spawn_child({"--exit-on-term"});
    pid = child.pid();
  }  // killed and reaped
  const auto result = daemon_.stopctl({"stop", "local.process", pid_arg(pid), "--wait"});
  EXPECT_EQ(result.exit_code, 0) << result;
  EXPECT_TRUE(result.out.starts_with("already_stopped: local.process " + pid_arg(pid))) << result;
}

TEST_F(ClientStop, DryRunIsWaitedForAndChangesNothing) {
  auto child = spawn_child({"--exit-on-term"});
  const auto result =
      daemon_.stopctl({"stop", "local.process", pid_arg(child.pid()), "--dry-run", "-o", "json"});
  EXPECT_EQ(result.exit_code, 0) << result;
  const auto parsed = result.json();
  EXPECT_EQ(parsed.value("dry_run", false), true) << result;
  EXPECT_EQ(parsed.value("code", ""), "stopped") << result;  // what a real stop would do
  EXPECT_EQ(parsed.value("state", ""), "finished") << result;
  std::this_thread::sleep_for(200ms);
  EXPECT_TRUE(child.running()) << "a dry run stopped the process";
}

TEST_F(ClientStop, RefusalsAreOutcomesWithTheirExitCodes) {
  const auto unknown = daemon_.stopctl({"stop", "no.such.type", "pid=1"});
  EXPECT_EQ(unknown.exit_code, 11) << unknown;
  EXPECT_TRUE(unknown.err.starts_with("invalid_argument: no.such.type pid=1: ")) << unknown;
  EXPECT_TRUE(contains(unknown.err, "local.process")) << unknown;  // what is loaded

  const auto bad_target = daemon_.stopctl({"stop", "local.process", "pid=abc", "-o", "json"});
  EXPECT_EQ(bad_target.exit_code, 11) << bad_target;
  EXPECT_EQ(bad_target.json().value("code", ""), "invalid_argument") << bad_target;
  EXPECT_TRUE(contains(bad_target.json().value("message", ""), "pid")) << bad_target;

  const auto bad_option =
      daemon_.stopctl({"stop", "local.process", "pid=1", "--option", "colour=red"});
  EXPECT_EQ(bad_option.exit_code, 11) << bad_option;
  EXPECT_TRUE(contains(bad_option.err, "colour")) << bad_option;

  // Refused by the daemon's own validation (the schema says one of pid, pgid, …).
  const auto no_target = daemon_.stopctl({"stop", "local.process", "-o", "json"});
  EXPECT_EQ(no_target.exit_code, 11) << no_target;
  EXPECT_EQ(no_target.json().value("code", ""), "invalid_argument") << no_target;
}

TEST_F(ClientStop, RequestIdReturnsTheSameJob) {
  auto child = spawn_child({"--exit-on-term"});
  const auto first = daemon_.stopctl(
      {"stop", "local.process", pid_arg(child.pid()), "--request-id", "nightly-42", "-o", "json"});
  ASSERT_EQ(first.exit_code, 0) << first;
  const auto second = daemon_.stopctl(
      {"stop", "local.process", pid_arg(child.pid()), "--request-id", "nightly-42", "-o", "json"});
  ASSERT_EQ(second.exit_code, 0) << second;
  EXPECT_EQ(first.json().value("id", "a"), second.json().value("id", "b")) << first << second;
  EXPECT_EQ(second.json().value("request_id", ""), "nightly-42") << second;
}

}  // namespace
}  // namespace stopd::e2e
