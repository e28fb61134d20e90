// huaweicloud.dlf.script_instance against the emulator: 204 → stopped, the workspace header,
// waiting until the instance ends, already-ended instances, and DLF's 400 error codes.
#include <gtest/gtest.h>

#include "emulator_environment.hpp"
#include "stopd/huaweicloud/dlf_script_instance_provider.hpp"
#include "stopd/test/recording_context.hpp"

namespace stopd::hwtest {
namespace {

using namespace std::chrono_literals;
using huaweicloud::DlfScriptInstanceProvider;
using sdk::Code;
using test::RecordingContext;

sdk::StopRequest instance_stop(const std::string& instance, bool wait = false,
                               const std::string& script = kScript) {
  sdk::StopRequest request;
  request.type = DlfScriptInstanceProvider::kName;
  request.target = {{"project_id", kProject}, {"script_name", script}, {"instance_id", instance}};
  if (wait) request.options = {{"wait", true}};
  return request;
}

std::string status_in_emulator(const std::string& instance) {
  const auto state = emulator().state();
  for (const auto& entry : state["script_instances"])
    if (entry["instance_id"] == instance) return entry["status"];
  return "absent";
}

class DlfScriptInstanceTest : public EmulatorTest {
 protected:
  DlfScriptInstanceProvider provider_{provider_config(token_settings())};
};

TEST_F(DlfScriptInstanceTest, RunningInstanceIsStoppedWith204) {
  auto context = RecordingContext::immediate();
  const auto outcome = provider_.stop(instance_stop(running_instance(3)), *context);
  ASSERT_EQ(outcome.code, Code::stopped) << outcome.message;
  EXPECT_EQ(outcome.details["status_before"], "RUNNING");
  const auto posts = emulator().requests_with("POST");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0]["status"], 204);
  EXPECT_EQ(posts[0]["path"],
            std::string("/v1/") + kProject + "/scripts/etl_daily/instances/inst-03/stop");
  EXPECT_EQ(outcome.details["request_id"], posts[0]["request_id"]);
  EXPECT_EQ(status_in_emulator(running_instance(3)), "FAILED");
}

TEST_F(DlfScriptInstanceTest, WorkspaceIsSentAsTheWorkspaceHeader) {
  auto request = instance_stop(kWorkspaceInstance);
  request.target["workspace"] = kWorkspace;
  auto context = RecordingContext::immediate();
  const auto outcome = provider_.stop(request, *context);
  ASSERT_EQ(outcome.code, Code::stopped) << outcome.message;
  for (const auto& logged : emulator().requests())
    EXPECT_EQ(logged["headers"].value("workspace", ""), kWorkspace) << logged.dump();
}

TEST_F(DlfScriptInstanceTest, WithoutTheWorkspaceTheDefaultOneIsAskedAndHasNoSuchScript) {
  auto context = RecordingContext::immediate();
  auto request = instance_stop(kWorkspaceInstance, false, "report_only_in_analytics");
  const auto outcome = provider_.stop(request, *context);
  EXPECT_EQ(outcome.code, Code::not_found) << outcome.message;
  EXPECT_EQ(outcome.details["error_code"], "DLF.6201");
}

TEST_F(DlfScriptInstanceTest, WaitPollsUntilTheInstanceHasEnded) {
  auto context = RecordingContext::immediate(20s);
  const auto started = std::chrono::steady_clock::now();
  const auto outcome = provider_.stop(instance_stop(kSlowInstance, true), *context);
  ASSERT_EQ(outcome.code, Code::stopped) << outcome.message;
  EXPECT_EQ(outcome.details["confirmed"], true);
  EXPECT_EQ(outcome.details["status"], "FAILED");
  EXPECT_GE(std::chrono::steady_clock::now() - started, 700ms);  // its 800 ms stop delay
  EXPECT_GE(emulator().requests_with("GET").size(), 3u);
}

TEST_F(DlfScriptInstanceTest, FinishedInstanceIsAlreadyStoppedWithoutAStopCall) {
  auto context = RecordingContext::immediate();
  const auto outcome = provider_.stop(instance_stop(kFinishedInstance), *context);
  EXPECT_EQ(outcome.code, Code::already_stopped) << outcome.message;
  EXPECT_TRUE(emulator().requests_with("POST").empty());
}

TEST_F(DlfScriptInstanceTest, UnknownInstanceIsDlf6205NotFoundWithTheServicesMessage) {
  auto context = RecordingContext::immediate();
  const auto outcome = provider_.stop(instance_stop("no-such-run"), *context);
  EXPECT_EQ(outcome.code, Code::not_found);
  EXPECT_EQ(outcome.details["http_status"], 400);
  EXPECT_EQ(outcome.details["error_code"], "DLF.6205");
  EXPECT_EQ(outcome.details["error_msg"], "The script running history does not exist.");
  EXPECT_NE(outcome.message.find("DLF.6205: The script running history does not exist."),
            std::string::npos)
      << outcome.message;
}

TEST_F(DlfScriptInstanceTest, ReadOnlyCallerGetsDlf6888PermissionDenied) {
  DlfScriptInstanceProvider provider(provider_config(token_settings(kReadOnlyToken)));
  auto context = RecordingContext::immediate();
  const auto outcome = provider.stop(instance_stop(running_instance(1)), *context);
  EXPECT_EQ(outcome.code, Code::permission_denied) << outcome.message;
  EXPECT_EQ(outcome.details["error_code"], "DLF.6888");
}

TEST_F(DlfScriptInstanceTest, UnknownTokenIs401AndAnotherProjectsIs403) {
  auto context = RecordingContext::immediate();
  DlfScriptInstanceProvider unknown(provider_config(token_settings("tok-SECRET-nobody")));
  EXPECT_EQ(unknown.stop(instance_stop(running_instance(1)), *context).code, Code::unauthenticated);
  DlfScriptInstanceProvider other(provider_config(token_settings(kOtherProjectToken)));
  EXPECT_EQ(other.stop(instance_stop(running_instance(1)), *context).code, Code::permission_denied);
  EXPECT_EQ(status_in_emulator(running_instance(1)), "RUNNING");
}

TEST_F(DlfScriptInstanceTest, Persistent500And503AreUnavailableWithDlfsBody) {
  for (const int status : {500, 503}) {
    emulator().reset();
    emulator().set_faults({{"fail_rate", 1.0}, {"fail_status", status}});
    auto context = RecordingContext::immediate(20s);
    const auto outcome = provider_.stop(instance_stop(running_instance(2)), *context);
    EXPECT_EQ(outcome.code, Code::unavailable) << outcome.message;
    EXPECT_EQ(outcome.details["http_status"], status);
    EXPECT_EQ(outcome.details["error_code"], "DLF.0100");
  }
}

TEST_F(DlfScriptInstanceTest, InspectSeesRunningFinishedAndAbsent) {
  auto target = [](const std::string& instance) {
    return nlohmann::json{
        {"project_id", kProject}, {"script_name", kScript}, {"instance_id", instance}};
  };
  EXPECT_EQ(provider_.inspect(target(running_instance(0))).state, sdk::Inspection::State::running);
  EXPECT_EQ(provider_.inspect(target(kFinishedInstance)).state, sdk::Inspection::State::stopped);
  EXPECT_EQ(provider_.inspect(target("gone")).state, sdk::Inspection::State::absent);
}

}  // namespace
}  // namespace stopd::hwtest
