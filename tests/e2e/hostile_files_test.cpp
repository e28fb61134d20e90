// Hostile files and arguments given to stopctl: each ends with the exit code the README's tables
// give its cause and a message that names the limit, never with a crash, a hang or a huge message.
// (run_stopctl itself fails a test on a signal, a timeout, a terminate or a sanitizer report.)
#include <gtest/gtest.h>

#include <string>

#include "stopctl_runner.hpp"
#include "stopd/test/hostile_plans.hpp"

namespace stopd::e2e {
namespace {

using test::billion_laughs_plan;
using test::needs_cycle_plan;
using test::nested_arrays;

constexpr int kInvalidPlan = 101;  // README: exit codes of batch
constexpr int kBatchFileError = 103;
constexpr int kConfigError = 3;  // README: exit codes
constexpr int kInvalidArgument = 11;

TEST(HostileFiles, PlanNestedFiftyThousandLevelsDeep) {
  TempDir dir;
  const auto json_plan = dir.write("deep.json", R"({"steps": )" + nested_arrays(50'000) + "}");
  const auto json_result = run_stopctl({"--local", "batch", json_plan});
  EXPECT_EQ(json_result.exit_code, kInvalidPlan) << json_result;
  EXPECT_TRUE(contains(json_result.err, "deep.json:1:42: nested more than 32 levels deep"))
      << json_result;

  const auto yaml_plan = dir.write(
      "deep.yaml",
      "steps:\n- {name: a, type: local.process, target: {pid: " + nested_arrays(50'000) + "}}\n");
  const auto yaml_result = run_stopctl({"--local", "batch", yaml_plan});
  EXPECT_EQ(yaml_result.exit_code, kInvalidPlan) << yaml_result;
  EXPECT_TRUE(contains(yaml_result.err, "nested more than 32 levels deep")) << yaml_result;
}

TEST(HostileFiles, YamlAliasesThatExpandWithoutBound) {
  TempDir dir;
  const auto result = run_stopctl(
      {"--local", "batch", dir.write("laughs.yaml", billion_laughs_plan("local.process"))});
  EXPECT_EQ(result.exit_code, kInvalidPlan) << result;
  EXPECT_TRUE(contains(result.err, "values, aliases expanded (the limit for one document)"))
      << result;
}

TEST(HostileFiles, AHundredThousandStepNeedsCycle) {
  TempDir dir;
  const auto result = run_stopctl(
      {"--local", "batch", dir.write("cycle.yaml", needs_cycle_plan(100'000, "local.process"))});
  EXPECT_EQ(result.exit_code, kInvalidPlan) << result.err.substr(0, 2000);
  EXPECT_TRUE(contains(result.err, "needs form a cycle")) << result.err.substr(0, 2000);
  EXPECT_TRUE(contains(result.err, "and 99992 more steps")) << result.err.substr(0, 2000);
  EXPECT_LT(result.err.size(), 4000u);
}

TEST(HostileFiles, PlanOrReportThatNeverEnds) {
  const auto plan = run_stopctl({"--local", "batch", "/dev/zero"});
  EXPECT_EQ(plan.exit_code, kInvalidPlan) << plan;
  EXPECT_TRUE(contains(plan.err, "/dev/zero: larger than 16 MiB (the limit)")) << plan;

  TempDir dir;
  const auto valid =
      dir.write("p.yaml", "steps: [{name: a, type: local.process, target: {pid: 1}}]\n");
  const auto report = run_stopctl({"--local", "batch", valid, "--resume", "/dev/zero"});
  EXPECT_EQ(report.exit_code, kBatchFileError) << report;
  EXPECT_TRUE(contains(report.err, "--resume: /dev/zero: larger than 256 MiB")) << report;
}

TEST(HostileFiles, ConfigThatNeverEndsOrNestsTooDeep) {
  const auto endless = run_stopctl({"--local", "--config", "/dev/zero", "plugins", "list"});
  EXPECT_EQ(endless.exit_code, kConfigError) << endless;
  EXPECT_TRUE(contains(endless.err, "/dev/zero: larger than 4 MiB (the limit)")) << endless;

  TempDir dir;
  const auto deep = dir.write("deep.json", R"({"providers": {"local.process": {"settings": )" +
                                               nested_arrays(50'000) + "}}}");
  const auto result = run_stopctl({"--local", "--config", deep, "plugins", "list"});
  EXPECT_EQ(result.exit_code, kConfigError) << result;
  EXPECT_TRUE(contains(result.err, "nested more than 32 levels deep")) << result;
}

// The daemon then started without the provider, and stopctl --local went on without it.
TEST(HostileFiles, ProviderSettingsThePluginRefusesAreAConfigError) {
  TempDir dir;
  const auto config = dir.write(
      "bad.json", R"({"providers": {"local.process": {"settings": {"stop_signal": 99}}}})");
  const auto result =
      run_stopctl({"--local", "--config", config, "stop", "local.process", "pid=1", "--dry-run"});
  EXPECT_EQ(result.exit_code, kConfigError) << result;
  EXPECT_TRUE(contains(result.err, "config.providers.local.process: invalid settings")) << result;
}

TEST(HostileFiles, TargetArgumentsNestedTooDeepOrNotUtf8) {
  // 10,000 bytes: within the 16 KiB any argument may have.
  const auto deep = run_stopctl(
      {"--local", "stop", "local.process", "pid:=" + nested_arrays(5'000), "--dry-run"});
  EXPECT_EQ(deep.exit_code, kInvalidArgument) << deep;
  EXPECT_TRUE(contains(deep.err, "nested more than 32 levels deep")) << deep;

  const auto bytes =
      run_stopctl({"--local", "stop", "local.process", "pidfile=/run/caf\xe9.pid", "--dry-run"});
  EXPECT_EQ(bytes.exit_code, kInvalidArgument) << bytes;
  EXPECT_TRUE(contains(bytes.err, "is not valid UTF-8")) << bytes;

  const auto selector =
      run_stopctl({"--local", "stop", "local.process", "--selector", "comm=caf\xe9", "--dry-run"});
  EXPECT_EQ(selector.exit_code, kInvalidArgument) << selector;
  EXPECT_TRUE(contains(selector.err, "--selector '")) << selector;
  EXPECT_TRUE(contains(selector.err, "is not valid UTF-8")) << selector;
}

// std::regex's matcher recurses once per character; stopctl's own 16 KiB per argument leaves
// room for more than stopd checks against a pattern.
TEST(HostileFiles, AnOptionTooLongForItsPattern) {
  const auto result = run_stopctl({"--local", "stop", "local.process", "pid=1", "--dry-run",
                                   "--option", "signal=" + std::string(10'000, 'A')});
  EXPECT_EQ(result.exit_code, kInvalidArgument) << result.err.substr(0, 500);
  EXPECT_TRUE(contains(result.err, "options.signal: a string of 10000 bytes; at most 8192"))
      << result.err.substr(0, 500);
}

}  // namespace
}  // namespace stopd::e2e
