// The three built plugin libraries loaded by the real loader and driven through the dispatcher:
// settings reach the factories, the host validates targets with the plugins' schemas, a dry run
// sends no stop, and unconfigured plugins still load. That each type stops through the host, in
// process and isolated, is the conformance suite's (tests/conformance, conformance.huaweicloud.*).
#include "stopd/core/host.hpp"

#include <gtest/gtest.h>

#include "emulator_environment.hpp"
#include "stopd/test/isolation_mode.hpp"

namespace stopd::hwtest {
namespace {

using namespace std::chrono_literals;
using sdk::Code;

core::HostConfig host_config(const nlohmann::json& settings) {
  nlohmann::json document = {{"plugin_dirs", {STOPD_PLUGIN_BUILD_DIR}}};
  if (!settings.is_null())
    for (const char* type : {"huaweicloud.cdm.cluster", "huaweicloud.dlf.script_instance",
                             "huaweicloud.fgs.workflow_execution"})
      document["providers"][type] = {{"settings", settings}};
  return core::parse_host_config(test::with_test_isolation(document), "");
}

class HostWithHuaweiCloudPlugins : public EmulatorTest {
 protected:
  core::Host host_{host_config(token_settings()), {}};
};

TEST_F(HostWithHuaweiCloudPlugins, LoadsTheThreeBuiltPlugins) {
  EXPECT_TRUE(host_.load_report().refused.empty());
  for (const char* type : {"huaweicloud.cdm.cluster", "huaweicloud.dlf.script_instance",
                           "huaweicloud.fgs.workflow_execution"}) {
    const auto* provider = host_.registry().find(type);
    ASSERT_NE(provider, nullptr) << type;
    // The run with STOPD_TEST_ISOLATION=process really serves it from a plugin host.
    EXPECT_EQ(provider->plugin_host != nullptr, test::isolated_run()) << type;
  }
  EXPECT_TRUE(host_.registry().find("huaweicloud.cdm.cluster")->info.capabilities.drain);
}

TEST_F(HostWithHuaweiCloudPlugins, TheHostRefusesHostileIdsWithTheTargetSchema) {
  sdk::StopRequest request;
  request.type = "huaweicloud.cdm.cluster";
  request.target = {{"project_id", kProject}, {"cluster_id", "../../x"}};
  const auto result = host_.dispatcher().stop(request);
  EXPECT_EQ(result.outcome.code, Code::invalid_argument);
  EXPECT_NE(result.outcome.message.find("cluster_id"), std::string::npos) << result.outcome.message;
  request.type = "huaweicloud.dlf.script_instance";
  request.target = {{"project_id", kProject}, {"script_name", ".."}, {"instance_id", "i"}};
  EXPECT_EQ(host_.dispatcher().stop(request).outcome.code, Code::invalid_argument);
  request.target = {
      {"project_id", kProject}, {"script_name", kOddScript}, {"instance_id", kOddInstance}};
  EXPECT_EQ(host_.dispatcher().stop(request).outcome.code, Code::stopped);
  EXPECT_EQ(emulator().requests().size(), 2u);  // only the valid one reached the service
}

TEST_F(HostWithHuaweiCloudPlugins, DryRunReadsTheClusterAndStopsNothing) {
  sdk::StopRequest request;
  request.type = "huaweicloud.cdm.cluster";
  request.target = {{"project_id", kProject}, {"cluster_id", kIdleCluster}};
  request.dry_run = true;
  const auto result = host_.dispatcher().stop(request);
  EXPECT_TRUE(result.dry_run);
  EXPECT_EQ(result.outcome.code, Code::stopped) << result.outcome.message;
  EXPECT_TRUE(emulator().requests_with("POST").empty());
}

TEST(HostWithUnconfiguredHuaweiCloudPlugins, TheyLoadAndRefuseStopsWithFailedPrecondition) {
  core::Host host(host_config(nullptr), {});
  EXPECT_TRUE(host.load_report().refused.empty());
  sdk::StopRequest request;
  request.type = "huaweicloud.fgs.workflow_execution";
  request.target = {
      {"project_id", kProject}, {"graph_urn", kGraph}, {"execution_urn", execution_urn(1)}};
  const auto result = host.dispatcher().stop(request);
  EXPECT_EQ(result.outcome.code, Code::failed_precondition);
  EXPECT_NE(result.outcome.message.find("is not configured"), std::string::npos);
}

}  // namespace
}  // namespace stopd::hwtest
