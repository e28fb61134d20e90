// stopctl --local --config with the plugins pointed at the emulator, as a user runs it.
#include <gtest/gtest.h>

#include "emulator_environment.hpp"
#include "stopctl_runner.hpp"
#include "stopd/test/isolation_mode.hpp"

namespace stopd::hwtest {
namespace {

using e2e::run_stopctl;

class StopctlWithEmulator : public EmulatorTest {
 protected:
  void SetUp() override {
    EmulatorTest::SetUp();
    auto settings = token_settings();
    settings["auth"] = {{"token", {{"env", "STOPD_HWTEST_STOPCTL_TOKEN"}}}};
    ::setenv("STOPD_HWTEST_STOPCTL_TOKEN", kToken, 1);
    nlohmann::json config;
    for (const char* type : {"huaweicloud.cdm.cluster", "huaweicloud.dlf.script_instance",
                             "huaweicloud.fgs.workflow_execution"})
      config["providers"][type] = {{"settings", settings}};
    config_ = directory_.write("stopd.json", test::with_test_isolation(config).dump(2));
  }

  e2e::TempDir directory_;
  std::string config_;
};

TEST_F(StopctlWithEmulator, StopsAScriptInstanceAndPrintsJson) {
  const auto result =
      run_stopctl({"--local", "--config", config_, "stop", "huaweicloud.dlf.script_instance",
                   std::string("project_id=") + kProject, std::string("script_name=") + kScript,
                   "instance_id=" + running_instance(0), "-o", "json"});
  ASSERT_EQ(result.exit_code, 0) << result;
  const auto json = result.json();
  EXPECT_EQ(json.value("code", ""), "stopped") << result;
  EXPECT_EQ(result.out.find("SECRET"), std::string::npos);
  EXPECT_EQ(result.err.find("SECRET"), std::string::npos);
}

TEST_F(StopctlWithEmulator, DrainsACdmClusterWithWait) {
  const auto result =
      run_stopctl({"--local", "--config", config_, "stop", "huaweicloud.cdm.cluster",
                   std::string("project_id=") + kProject, std::string("cluster_id=") + kBusyCluster,
                   "--grace", "unbounded", "--option", "wait=true", "-o", "json"});
  ASSERT_EQ(result.exit_code, 0) << result;
  const auto json = result.json();
  EXPECT_EQ(json["details"]["delay_time"], -1) << result;
  EXPECT_EQ(json["details"]["status"], 900) << result;
}

TEST_F(StopctlWithEmulator, UnknownInstanceExitsWithNotFoundAndTheServicesCode) {
  const auto result =
      run_stopctl({"--local", "--config", config_, "stop", "huaweicloud.dlf.script_instance",
                   std::string("project_id=") + kProject, std::string("script_name=") + kScript,
                   "instance_id=nope"});
  EXPECT_EQ(result.exit_code, 10) << result;  // not_found
  EXPECT_NE(result.err.find("DLF.6205: The script running history does not exist."),
            std::string::npos)
      << result;
}

TEST_F(StopctlWithEmulator, PluginsDescribeShowsTheTargetKeys) {
  const auto result = run_stopctl(
      {"--local", "--config", config_, "plugins", "describe", "huaweicloud.cdm.cluster"});
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_NE(result.out.find("cluster_id"), std::string::npos) << result;
}

}  // namespace
}  // namespace stopd::hwtest
