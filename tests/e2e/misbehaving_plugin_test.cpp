// `stopctl --local` with a plugin that misbehaves (tests/plugins/misbehaving_plugin.cpp), in both
// isolation modes. In-process, stopctl answers at the deadline and exits right after it without
// waiting for a stop() that never returns. Isolated (`isolation: process`), a crash, abort or
// exit() in the plugin costs only its own stops: they are retried in a restarted plugin host and
// quarantined when they keep killing it, and stopctl still answers and exits.
#include <gtest/gtest.h>

#include <filesystem>

#include "stopctl_runner.hpp"

namespace stopd::e2e {
namespace {

using nlohmann::json;

// Whether an unprivileged user can reach and read `file`: every directory above it searchable,
// the file readable, by others.
bool world_readable(const std::filesystem::path& file) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if ((fs::status(file, ec).permissions() & fs::perms::others_read) == fs::perms::none)
    return false;
  for (fs::path dir = fs::absolute(file).parent_path(); dir != dir.root_path();
       dir = dir.parent_path())
    if ((fs::status(dir, ec).permissions() & fs::perms::others_exec) == fs::perms::none)
      return false;
  return true;
}

json config_for(const std::string& isolation, json plugin_host = json::object()) {
  json provider = {{"settings", {{"hang_seconds", 120}}}, {"isolation", isolation}};
  if (!plugin_host.empty()) provider["plugin_host"] = std::move(plugin_host);
  return {{"plugins", {STOPD_MISBEHAVING_PLUGIN}}, {"providers", {{"test.misbehave", provider}}}};
}

StopctlResult misbehave(const TempDir& dir, const json& config, std::vector<std::string> target,
                        const std::string& deadline = "20") {
  const std::string file = dir.write("stopctl.json", config.dump());
  std::vector<std::string> args = {"--local", "--config",       file,  "-o", "json",
                                   "stop",    "test.misbehave", "id=a"};
  args.insert(args.end(), target.begin(), target.end());
  args.insert(args.end(), {"--deadline", deadline});
  return run_stopctl(args, 90s);
}

class IsolationModes : public ::testing::TestWithParam<std::string> {};

TEST_P(IsolationModes, StopctlLocalExitsAtTheDeadlineThoughTheStopNeverReturns) {
  TempDir dir;
  const auto result = misbehave(dir, config_for(GetParam()), {"do=hang"}, "2");
  EXPECT_EQ(result.exit_code, 16) << result;  // deadline_exceeded
  EXPECT_EQ(result.json()["code"], "deadline_exceeded") << result;
  // 2 s of deadline, then the exit. Generous (the plugin would hold its thread for 120 s).
  EXPECT_LT(result.elapsed, 12s) << result;
}

TEST_P(IsolationModes, AnExceptionFromStopIsInternalWithItsMessage) {
  TempDir dir;
  const auto result = misbehave(dir, config_for(GetParam()), {"do=throw"});
  EXPECT_EQ(result.exit_code, 18) << result;  // internal
  EXPECT_EQ(result.json()["message"], "test.misbehave provider threw: misbehaving on purpose")
      << result;
  EXPECT_EQ(result.json()["attempts"], 1) << result;
}

INSTANTIATE_TEST_SUITE_P(MisbehavingPluginTiming, IsolationModes,
                         ::testing::Values("in_process", "process"));

// In process mode every way of dying ends the same: the plugin host dies, the stop is retried in
// a new one, dies again, and is quarantined (quarantine_after_crashes: 2), while stopctl lives.
class IsolatedCrash : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(IsolatedCrash, IsQuarantinedAfterTwoDeathsAndStopctlAnswers) {
  const auto& [what, how] = GetParam();
  TempDir dir;
  const auto result = misbehave(dir, config_for("process"), {"do=" + what});
  EXPECT_EQ(result.term_signal, 0) << result;
  EXPECT_EQ(result.exit_code, 18) << result;  // internal
  EXPECT_EQ(
      result.json()["message"],
      "quarantined: the test.misbehave plugin crashed 2 times while stopping this resource (" +
          how + ")")
      << result;
  EXPECT_EQ(result.json()["attempts"], 2) << result;
  EXPECT_TRUE(contains(result.err, "the test.misbehave plugin host (pid ")) << result;
  EXPECT_TRUE(contains(result.err, ") died: " + how)) << result;
}

INSTANTIATE_TEST_SUITE_P(MisbehavingPlugin, IsolatedCrash,
                         ::testing::Values(std::pair{"segfault", "SIGSEGV"},
                                           std::pair{"abort", "SIGABRT"},
                                           std::pair{"exit", "exit 1"}),
                         [](const auto& param_info) { return param_info.param.first; });

TEST(MisbehavingPlugin, IsolatedAStopThatCrashesOnlyOnceSucceedsWhenRetried) {
  TempDir dir;
  const std::string marker = (dir.path() / "crashed").string();
  const auto result =
      misbehave(dir, config_for("process"), {"do=segfault_once", "marker=" + marker});
  EXPECT_EQ(result.exit_code, 0) << result;
  EXPECT_EQ(result.json()["code"], "stopped") << result;
  EXPECT_EQ(result.json()["attempts"], 2) << result;
  EXPECT_TRUE(std::filesystem::exists(marker)) << "the first attempt did not run the plugin";
}

TEST(MisbehavingPluginTiming, IsolatedAHostPastItsCpuLimitDiesOfSigxcpuAndIsQuarantined) {
  TempDir dir;
  const auto result = misbehave(dir, config_for("process", {{"cpu_seconds", 1}}), {"do=spin"});
  EXPECT_EQ(result.exit_code, 18) << result;
  EXPECT_EQ(result.json()["message"],
            "quarantined: the test.misbehave plugin crashed 2 times while stopping this resource "
            "(SIGXCPU)")
      << result;
}

TEST(MisbehavingPlugin, IsolatedAnAddressSpaceLimitFailsAnAllocationNotStopd) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan reserves terabytes of shadow memory: RLIMIT_AS cannot apply under it "
                  "(the ci preset runs this test)";
#else
  TempDir dir;
  const auto result =
      misbehave(dir, config_for("process", {{"address_space_mb", 512}}), {"do=alloc"});
  EXPECT_EQ(result.exit_code, 18) << result;
  EXPECT_EQ(result.json()["message"], "test.misbehave provider threw: std::bad_alloc") << result;
#endif
}

TEST(MisbehavingPlugin, IsolatedTheHostSeesOnlyTheEnvironmentTheConfigNames) {
  TempDir dir;
  const auto result = misbehave(
      dir, config_for("process", {{"environment", {{"ACME_REGION", "eu-west-0"}}}}), {"do=env"});
  ASSERT_EQ(result.exit_code, 0) << result;
  json names = json::array();
  const json answer = result.json();
  for (const auto& name : answer["details"]["names"])
    if (!name.get<std::string>().ends_with("SAN_OPTIONS")) names.push_back(name);
  EXPECT_EQ(names, json::array({"ACME_REGION", "PATH"})) << result;
}

TEST(MisbehavingPlugin, IsolatedTheHostDropsToTheConfiguredGroup) {
  TempDir dir;
  const auto result = misbehave(dir, config_for("process", {{"group", "nogroup"}}), {"do=whoami"});
  if (geteuid() != 0) {
    EXPECT_EQ(result.exit_code, 3) << result;  // a config error: only root can switch
    EXPECT_TRUE(contains(result.out, "switching credentials needs stopd to run as root")) << result;
    return;
  }
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_EQ(result.json()["message"], "uid=0 gid=65534") << result;
}

TEST(MisbehavingPlugin, IsolatedAnUnknownUserIsAConfigError) {
  TempDir dir;
  const auto result =
      misbehave(dir, config_for("process", {{"user", "no-such-user-stopd"}}), {"do=ok"});
  EXPECT_EQ(result.exit_code, 3) << result;
  // -o json: the error is the JSON document on stdout.
  EXPECT_TRUE(contains(result.out, geteuid() == 0
                                       ? "config.providers.test.misbehave: plugin_host.user: no "
                                         "user named 'no-such-user-stopd'"
                                       : "switching credentials needs stopd to run as root"))
      << result;
}

TEST(MisbehavingPlugin, IsolatedTheHostDropsToTheConfiguredUser) {
  // nobody must be able to run stopd-plugin-host and read the plugin: true of an installation,
  // not of a build tree below a private home directory.
  if (geteuid() != 0 || !world_readable(STOPD_MISBEHAVING_PLUGIN) ||
      !world_readable(STOPD_PLUGIN_HOST_EXECUTABLE))
    GTEST_SKIP() << "needs root and a build tree that other users can read";
  TempDir dir;
  const auto result = misbehave(dir, config_for("process", {{"user", "nobody"}}), {"do=whoami"});
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_EQ(result.json()["message"], "uid=65534 gid=65534") << result;
}

TEST(MisbehavingPlugin, IsolatedPluginsListShowsTheProcessAndItsState) {
  TempDir dir;
  const std::string file = dir.write("stopctl.json", config_for("process").dump());
  const auto result = run_stopctl({"--local", "--config", file, "-o", "json", "plugins", "list"});
  ASSERT_EQ(result.exit_code, 0) << result;
  bool found = false;
  const json listed = result.json();
  for (const auto& provider : listed["providers"]) {
    if (provider["name"] == "local.process") {
      EXPECT_EQ(provider["isolation"], "in_process");
    }
    if (provider["name"] != "test.misbehave") continue;
    found = true;
    EXPECT_EQ(provider["isolation"], "process") << result;
    EXPECT_EQ(provider["plugin_host"]["state"], "running") << result;
    EXPECT_EQ(provider["plugin_host"]["restarts"], 0) << result;
  }
  EXPECT_TRUE(found) << result;
}

}  // namespace
}  // namespace stopd::e2e
