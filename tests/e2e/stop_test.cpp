// `stopctl --local stop local.process …` against real processes (stopd_test_child).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <csignal>
#include <thread>

#include "stopctl_runner.hpp"
#include "stopd/test/child_process.hpp"
#include "stopd/test/process_probe.hpp"

namespace stopd::e2e {
namespace {

using stopd::test::spawn_child;

// The names of the signals in a local.process outcome's details, in order.
std::vector<std::string> signals_sent(const nlohmann::json& details) {
  std::vector<std::string> names;
  for (const auto& batch : details.value("signals", nlohmann::json::array()))
    names.push_back(batch.value("signal", ""));
  return names;
}

TEST(StopProcess, ChildThatExitsOnTermIsStoppedHuman) {
  auto child = spawn_child({"--exit-on-term"});
  const auto result = run_stopctl({"--local", "stop", "local.process", pid_arg(child.pid())});
  ASSERT_EQ(result.exit_code, 0) << result;
  // One line on stdout with the code, type, target, message, forced, duration and signals.
  EXPECT_EQ(std::count(result.out.begin(), result.out.end(), '\n'), 1) << result;
  EXPECT_TRUE(result.out.starts_with("stopped: local.process " + pid_arg(child.pid()) + ": "))
      << result;
  EXPECT_TRUE(contains(result.out, "forced: no")) << result;
  EXPECT_TRUE(contains(result.out, "took ")) << result;
  EXPECT_TRUE(contains(result.out, "signals: SIGTERM")) << result;
  EXPECT_FALSE(contains(result.out, "SIGKILL")) << result;
  const auto status = child.wait_exit(10s);
  ASSERT_TRUE(status.has_value()) << "the child still runs after 'stopped'";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "status " << *status;
}

TEST(StopProcess, ChildThatExitsOnTermIsStoppedJson) {
  auto child = spawn_child({"--exit-on-term"});
  const auto result =
      run_stopctl({"--local", "stop", "local.process", pid_arg(child.pid()), "-o", "json"});
  ASSERT_EQ(result.exit_code, 0) << result;
  const auto parsed = result.json();
  ASSERT_TRUE(parsed.is_object()) << result;
  EXPECT_EQ(parsed.value("code", ""), "stopped") << result;
  EXPECT_EQ(parsed.value("forced", true), false) << result;
  EXPECT_EQ(parsed.value("type", ""), "local.process") << result;
  EXPECT_EQ(parsed["target"], (nlohmann::json{{"pid", child.pid()}})) << result;
  for (const char* key : {"message", "details", "duration_ms", "stop_id", "attempts", "dry_run"})
    EXPECT_TRUE(parsed.contains(key)) << key << "\n" << result;
  EXPECT_TRUE(parsed["duration_ms"].is_number_integer()) << result;
  EXPECT_EQ(signals_sent(parsed["details"]), std::vector<std::string>{"SIGTERM"}) << result;
  EXPECT_FALSE(child.running());
}

// Timing: the grace must actually be waited out before SIGKILL.
TEST(StopProcessTiming, TermIgnoringChildIsForcedAfterTheGrace) {
  auto child = spawn_child({"--ignore-term"});
  const auto result = run_stopctl(
      {"--local", "stop", "local.process", pid_arg(child.pid()), "--grace", "1", "-o", "json"});
  ASSERT_EQ(result.exit_code, 0) << result;
  const auto parsed = result.json();
  EXPECT_EQ(parsed.value("code", ""), "stopped") << result;
  EXPECT_EQ(parsed.value("forced", false), true) << result;
  EXPECT_GE(parsed.value("duration_ms", 0), 900) << result;
  EXPECT_GE(result.elapsed, 900ms) << result;
  EXPECT_LT(result.elapsed, 30s) << result;
  EXPECT_EQ(signals_sent(parsed["details"]), (std::vector<std::string>{"SIGTERM", "SIGKILL"}))
      << result;
  const auto status = child.wait_exit(10s);
  ASSERT_TRUE(status.has_value()) << "the child survived a forced stop";
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL) << "status " << *status;
}

TEST(StopProcessTiming, FractionalGraceIsHonoured) {
  auto child = spawn_child({"--ignore-term"});
  const auto result =
      run_stopctl({"--local", "stop", "local.process", pid_arg(child.pid()), "--grace", "0.5"});
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_TRUE(contains(result.out, "forced: yes")) << result;
  EXPECT_TRUE(contains(result.out, "SIGKILL")) << result;
  EXPECT_GE(result.elapsed, 450ms) << result;
  EXPECT_TRUE(child.wait_exit(10s).has_value());
}

TEST(StopProcess, ImmediateKillsWithoutTheGracefulSignal) {
  auto child = spawn_child({"--exit-on-term"});
  const auto result = run_stopctl(
      {"--local", "stop", "local.process", pid_arg(child.pid()), "--immediate", "-o", "json"});
  ASSERT_EQ(result.exit_code, 0) << result;
  const auto parsed = result.json();
  EXPECT_EQ(parsed.value("code", ""), "stopped") << result;
  EXPECT_EQ(signals_sent(parsed["details"]), std::vector<std::string>{"SIGKILL"}) << result;
  EXPECT_LT(result.elapsed, 10s) << result;
  const auto status = child.wait_exit(10s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL) << "status " << *status;
}

TEST(StopProcess, AlreadyExitedPidIsSuccess) {
  auto child = spawn_child({"--exit-on-term"});
  const pid_t pid = child.pid();
  child.kill_all();
  ASSERT_TRUE(child.wait_exit(10s).has_value());  // reaped: the pid no longer exists

  const auto human = run_stopctl({"--local", "stop", "local.process", pid_arg(pid)});
  EXPECT_EQ(human.exit_code, 0) << human;
  EXPECT_TRUE(human.out.starts_with("already_stopped: local.process " + pid_arg(pid))) << human;

  const auto as_json =
      run_stopctl({"--local", "stop", "local.process", pid_arg(pid), "-o", "json"});
  EXPECT_EQ(as_json.exit_code, 0) << as_json;
  EXPECT_EQ(as_json.json().value("code", ""), "already_stopped") << as_json;
}

TEST(StopProcess, DryRunLeavesTheProcessAlive) {
  auto child = spawn_child({"--exit-on-term"});
  const auto human =
      run_stopctl({"--local", "stop", "local.process", pid_arg(child.pid()), "--dry-run"});
  EXPECT_EQ(human.exit_code, 0) << human;
  EXPECT_TRUE(contains(human.out, "dry run")) << human;
  EXPECT_TRUE(contains(human.out, "would")) << human;
  EXPECT_TRUE(contains(human.out, std::to_string(child.pid()))) << human;

  const auto as_json = run_stopctl(
      {"--local", "stop", "local.process", pid_arg(child.pid()), "--dry-run", "-o", "json"});
  EXPECT_EQ(as_json.exit_code, 0) << as_json;
  const auto parsed = as_json.json();
  EXPECT_EQ(parsed.value("dry_run", false), true) << as_json;
  EXPECT_EQ(parsed.value("code", ""), "stopped") << as_json;  // what a real stop would do

  std::this_thread::sleep_for(200ms);  // a signal sent by mistake would have landed by now
  EXPECT_TRUE(child.running()) << "a dry run stopped the process";
}

TEST(StopProcess, OptionSignalChangesTheGracefulSignal) {
  // The child ignores SIGTERM; SIGINT (default action) ends it at once, without forcing.
  auto child = spawn_child({"--ignore-term"});
  const auto result = run_stopctl({"--local", "stop", "local.process", pid_arg(child.pid()),
                                   "--grace", "30", "--option", "signal=SIGINT", "-o", "json"});
  ASSERT_EQ(result.exit_code, 0) << result;
  const auto parsed = result.json();
  EXPECT_EQ(parsed.value("forced", true), false) << result;
  EXPECT_EQ(signals_sent(parsed["details"]), std::vector<std::string>{"SIGINT"}) << result;
  EXPECT_LT(result.elapsed, 20s) << result;
  const auto status = child.wait_exit(10s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGINT) << "status " << *status;
}

TEST(StopProcess, RawJsonTargetValue) {
  auto child = spawn_child({"--exit-on-term"});
  const auto result = run_stopctl(
      {"--local", "stop", "local.process", "pid:=" + std::to_string(child.pid()), "-o", "json"});
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_EQ(result.json().value("code", ""), "stopped") << result;
}

TEST(StopProcess, ProcessGroupIsStoppedAsAWhole) {
  auto leader = spawn_child({"--setpgid", "--children", "2"});
  ASSERT_EQ(leader.children().size(), 2u);
  const auto result = run_stopctl(
      {"--local", "stop", "local.process", "pgid=" + std::to_string(leader.pid()), "-o", "json"});
  ASSERT_EQ(result.exit_code, 0) << result;
  const auto parsed = result.json();
  EXPECT_EQ(parsed.value("code", ""), "stopped") << result;
  EXPECT_EQ(parsed["details"].value("process_count", 0), 3) << result;
  EXPECT_TRUE(stopd::test::wait_until([&] { return leader.all_exited(); }, 10s));
}

TEST(StopProcessTiming, DeadlineBeforeTheGraceIsDeadlineExceeded) {
  auto child = spawn_child({"--ignore-term"});
  const auto result = run_stopctl({"--local", "stop", "local.process", pid_arg(child.pid()),
                                   "--grace", "60", "--deadline", "1", "-o", "json"});
  EXPECT_EQ(result.exit_code, 16) << result;
  EXPECT_EQ(result.json().value("code", ""), "deadline_exceeded") << result;
  EXPECT_GE(result.elapsed, 900ms) << result;
  EXPECT_LT(result.elapsed, 30s) << result;
}

}  // namespace
}  // namespace stopd::e2e
