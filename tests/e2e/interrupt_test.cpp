// Ctrl-C / SIGTERM while a stop runs: the stop is cancelled, the cancelled outcome printed,
// exit 17.
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "stopctl_runner.hpp"
#include "stopd/test/child_process.hpp"

namespace stopd::e2e {
namespace {

TEST(InterruptTiming, SigintCancelsTheStop) {
  auto child = stopd::test::spawn_child({"--ignore-term"});
  StopctlProcess stopctl(
      {"--local", "stop", "local.process", pid_arg(child.pid()), "--grace", "60", "-o", "json"});
  // Once the stop is under way (a fixed wait was too short for stopctl to start on a busy
  // machine, and the signal then ended it before its handler existed).
  ASSERT_TRUE(stopctl.wait_until_stopping(child.pid())) << "the stop never began";
  stopctl.signal(SIGINT);
  const auto result = stopctl.finish(30s);
  ASSERT_FALSE(result.timed_out) << result;
  EXPECT_EQ(result.term_signal, 0) << result;
  EXPECT_EQ(result.exit_code, 17) << result;
  const auto parsed = result.json();
  EXPECT_EQ(parsed.value("code", ""), "cancelled") << result;
  EXPECT_EQ(parsed.value("forced", true), false) << result;
  EXPECT_LT(result.elapsed, 20s) << result;  // not the 60 s grace
  EXPECT_TRUE(contains(result.err, "SIGINT")) << result;
  // Cancelled before the grace ran out: nothing forced it.
  EXPECT_TRUE(child.running());
}

TEST(InterruptTiming, SigtermCancelsTheStopHuman) {
  auto child = stopd::test::spawn_child({"--ignore-term"});
  StopctlProcess stopctl(
      {"--local", "stop", "local.process", pid_arg(child.pid()), "--grace", "60"});
  // Once the stop is under way (a fixed wait was too short for stopctl to start on a busy
  // machine, and the signal then ended it before its handler existed).
  ASSERT_TRUE(stopctl.wait_until_stopping(child.pid())) << "the stop never began";
  stopctl.signal(SIGTERM);
  const auto result = stopctl.finish(30s);
  ASSERT_FALSE(result.timed_out) << result;
  EXPECT_EQ(result.term_signal, 0) << result;
  EXPECT_EQ(result.exit_code, 17) << result;
  EXPECT_TRUE(contains(result.err, "cancelled: local.process pid=" + std::to_string(child.pid())))
      << result;
  EXPECT_TRUE(result.out.empty()) << result;
}

TEST(InterruptTiming, SecondSignalExitsAtOnce) {
  auto child = stopd::test::spawn_child({"--ignore-term"});
  StopctlProcess stopctl(
      {"--local", "stop", "local.process", pid_arg(child.pid()), "--grace", "60"});
  // Once the stop is under way (a fixed wait was too short for stopctl to start on a busy
  // machine, and the signal then ended it before its handler existed).
  ASSERT_TRUE(stopctl.wait_until_stopping(child.pid())) << "the stop never began";
  stopctl.signal(SIGINT);
  stopctl.signal(SIGINT);
  const auto result = stopctl.finish(30s);
  ASSERT_FALSE(result.timed_out) << result;
  EXPECT_EQ(result.term_signal, 0) << result;
  EXPECT_EQ(result.exit_code, 17) << result;
}

}  // namespace
}  // namespace stopd::e2e
