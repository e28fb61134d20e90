// Ctrl-C while stopctl waits for a job in the daemon stops the waiting, not the job; --timeout
// bounds the wait.
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "stopd/test/child_process.hpp"
#include "test_daemon.hpp"

namespace stopd::e2e {
namespace {

using nlohmann::json;
using stopd::test::spawn_child;

// Long enough for stopctl to submit and start watching.
constexpr auto kLetItStart = 1500ms;

class ClientInterruptTiming : public ::testing::Test {
 protected:
  TempDir dir_;
  TestDaemon daemon_{dir_};
};

TEST_F(ClientInterruptTiming, SigintStopsWaitingAndTheJobKeepsRunning) {
  auto child = spawn_child({"--ignore-term"});
  StopctlProcess stopctl(daemon_.args(
      {"stop", "local.process", pid_arg(child.pid()), "--grace", "60", "--wait", "-o", "json"}));
  std::this_thread::sleep_for(kLetItStart);
  stopctl.signal(SIGINT);
  const auto result = stopctl.finish(30s);
  ASSERT_FALSE(result.timed_out) << result;
  EXPECT_EQ(result.term_signal, 0) << result;
  EXPECT_EQ(result.exit_code, 17) << result;
  const json out = result.json();
  EXPECT_EQ(out.value("code", ""), "cancelled") << result;
  EXPECT_EQ(out.value("exit_code", 0), 17) << result;
  const std::string id = out.value("job_id", "");
  ASSERT_TRUE(id.starts_with("j-")) << result;
  EXPECT_TRUE(contains(out.value("message", ""), "keeps running")) << result;

  const auto shown = daemon_.stopctl({"jobs", "show", id, "-o", "json"});
  EXPECT_EQ(shown.exit_code, 0) << shown;
  EXPECT_NE(shown.json().value("state", ""), "finished") << shown;
  EXPECT_TRUE(child.running());
  daemon_.stopctl({"jobs", "cancel", id});
}

TEST_F(ClientInterruptTiming, SigtermStopsWatchingHuman) {
  auto child = spawn_child({"--ignore-term"});
  const auto accepted = daemon_.stopctl(
      {"stop", "local.process", pid_arg(child.pid()), "--grace", "60", "-o", "json"});
  ASSERT_EQ(accepted.exit_code, 0) << accepted;
  const std::string id = accepted.json().value("id", "");
  StopctlProcess stopctl(daemon_.args({"jobs", "watch", id}));
  std::this_thread::sleep_for(kLetItStart);
  stopctl.signal(SIGTERM);
  const auto result = stopctl.finish(30s);
  ASSERT_FALSE(result.timed_out) << result;
  EXPECT_EQ(result.exit_code, 17) << result;
  EXPECT_TRUE(contains(result.out, "snapshot")) << result;  // the events it saw
  EXPECT_TRUE(contains(result.err, "SIGTERM")) << result;
  EXPECT_TRUE(contains(result.err, "job " + id + " keeps running")) << result;
  EXPECT_TRUE(child.running());
  daemon_.stopctl({"jobs", "cancel", id});
}

TEST_F(ClientInterruptTiming, TimeoutBoundsTheWait) {
  auto child = spawn_child({"--ignore-term"});
  const auto result = daemon_.stopctl(
      {"stop", "local.process", pid_arg(child.pid()), "--grace", "60", "--wait", "--timeout", "1"});
  EXPECT_EQ(result.exit_code, 16) << result;
  EXPECT_TRUE(contains(result.err, "--timeout")) << result;
  EXPECT_TRUE(contains(result.err, "keeps running")) << result;
  EXPECT_LT(result.elapsed, 20s) << result;
  EXPECT_TRUE(child.running());
}

}  // namespace
}  // namespace stopd::e2e
