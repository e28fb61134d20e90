// Ids that try to change the request path, AK/SK signing end to end, secrets from the
// environment and files, and secrets never showing up in logs, outcomes or the emulator's log.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "emulator_environment.hpp"
#include "stopd/huaweicloud/cdm_cluster_provider.hpp"
#include "stopd/huaweicloud/dlf_script_instance_provider.hpp"
#include "stopd/huaweicloud/fgs_workflow_execution_provider.hpp"
#include "stopd/test/recording_context.hpp"

namespace stopd::hwtest {
namespace {

using namespace std::chrono_literals;
using huaweicloud::CdmClusterProvider;
using huaweicloud::DlfScriptInstanceProvider;
using huaweicloud::FgsWorkflowExecutionProvider;
using sdk::Code;
using test::RecordingContext;

const std::vector<std::string> kHostileIds = {"../x",
                                              "..",
                                              ".",
                                              "a/b",
                                              "a%2Fb",
                                              "a b",
                                              "a?b=c",
                                              "a#b",
                                              "ünïcode",
                                              "a\r\nX-Evil: 1",
                                              "",
                                              std::string(65, 'a'),
                                              "x/../../v1.1/other/clusters/y"};

sdk::StopOutcome stop_or_error(sdk::IStopProvider& provider, const sdk::StopRequest& request) {
  auto context = RecordingContext::immediate(10s);
  try {
    return provider.stop(request, *context);
  } catch (const sdk::StopError& e) {
    return sdk::StopOutcome::make(e.code(), e.what());
  }
}

class SecurityTest : public EmulatorTest {};

TEST_F(SecurityTest, HostileIdsAreRefusedBeforeAnyRequestIsSent) {
  CdmClusterProvider cdm(provider_config(token_settings()));
  DlfScriptInstanceProvider dlf(provider_config(token_settings()));
  FgsWorkflowExecutionProvider fgs(provider_config(token_settings()));
  for (const auto& id : kHostileIds) {
    sdk::StopRequest request;
    request.target = {{"project_id", kProject}, {"cluster_id", id}};
    EXPECT_EQ(stop_or_error(cdm, request).code, Code::invalid_argument) << id;
    request.target = {{"project_id", id}, {"cluster_id", kIdleCluster}};
    EXPECT_EQ(stop_or_error(cdm, request).code, Code::invalid_argument) << id;
    request.target = {{"project_id", kProject}, {"script_name", kScript}, {"instance_id", id}};
    EXPECT_EQ(stop_or_error(dlf, request).code, Code::invalid_argument) << id;
    request.target = {{"project_id", kProject},
                      {"script_name", kScript},
                      {"instance_id", running_instance(0)},
                      {"workspace", id}};
    EXPECT_EQ(stop_or_error(dlf, request).code, Code::invalid_argument) << id;
    request.target = {
        {"project_id", kProject}, {"graph_urn", id}, {"execution_urn", execution_urn(0)}};
    EXPECT_EQ(stop_or_error(fgs, request).code, Code::invalid_argument) << id;
    request.target = {
        {"project_id", kProject}, {"graph_urn", kGraph}, {"execution_urn", "urn:fgs:" + id}};
    if (!id.empty() && id.find_first_of("/ ?#%\r\nü") != std::string::npos) {
      EXPECT_EQ(stop_or_error(fgs, request).code, Code::invalid_argument) << id;
    }
  }
  EXPECT_EQ(emulator().requests().size(), 0u) << emulator().requests().dump();
}

TEST_F(SecurityTest, ScriptNamesWithSlashesSpacesPercentAndNonAsciiStayOneSegment) {
  DlfScriptInstanceProvider dlf(provider_config(token_settings()));
  sdk::StopRequest request;
  request.target = {
      {"project_id", kProject}, {"script_name", kOddScript}, {"instance_id", kOddInstance}};
  const auto outcome = stop_or_error(dlf, request);
  ASSERT_EQ(outcome.code, Code::stopped) << outcome.message;
  const auto posts = emulator().requests_with("POST");
  ASSERT_EQ(posts.size(), 1u);
  // The emulator routes on the raw path: the name arrived whole, as the one script parameter.
  EXPECT_EQ(posts[0]["params"], (nlohmann::json{kProject, kOddScript, kOddInstance}));
  EXPECT_EQ(posts[0]["path"], std::string("/v1/") + kProject +
                                  "/scripts/%E6%8A%A5%E8%A1%A8%20daily%2Fv2%253F%3Fx/instances/" +
                                  kOddInstance + "/stop");

  // A traversal attempt in a script name is just an unknown script, in this project.
  request.target["script_name"] = "../../v1.1/" + std::string(kProject) + "/clusters/x";
  const auto traversal = stop_or_error(dlf, request);
  EXPECT_EQ(traversal.code, Code::not_found) << traversal.message;
  EXPECT_EQ(traversal.details["error_code"], "DLF.6201");
  EXPECT_EQ(emulator().requests().back()["params"][1], request.target["script_name"]);

  for (const char* dots : {".", ".."}) {
    request.target["script_name"] = dots;
    EXPECT_EQ(stop_or_error(dlf, request).code, Code::invalid_argument) << dots;
  }
}

TEST_F(SecurityTest, AkSkSignedStopsAreVerifiedByTheEmulator) {
  DlfScriptInstanceProvider dlf(provider_config(aksk_settings()));
  FgsWorkflowExecutionProvider fgs(provider_config(aksk_settings()));
  CdmClusterProvider cdm(provider_config(aksk_settings()));
  sdk::StopRequest request;
  request.target = {
      {"project_id", kProject}, {"script_name", kOddScript}, {"instance_id", kOddInstance}};
  request.target["workspace"] = "default";
  EXPECT_EQ(stop_or_error(dlf, request).code, Code::stopped);
  request.target = {
      {"project_id", kProject}, {"graph_urn", kGraph}, {"execution_urn", execution_urn(5)}};
  EXPECT_EQ(stop_or_error(fgs, request).code, Code::stopped);
  request.target = {{"project_id", kProject}, {"cluster_id", kIdleCluster}};
  request.mode = sdk::Mode::immediate;
  EXPECT_EQ(stop_or_error(cdm, request).code, Code::stopped);
  for (const auto& logged : emulator().requests()) {
    EXPECT_EQ(logged.value("auth", ""), "aksk") << logged.dump();
    EXPECT_EQ(logged["headers"].value("authorization", ""), "[redacted]");
    EXPECT_EQ(logged["headers"].value("x-sdk-date", "").size(), 16u);
  }
}

TEST_F(SecurityTest, WrongSecretKeyIs401Unauthenticated) {
  DlfScriptInstanceProvider dlf(provider_config(aksk_settings("sk-SECRET-wrong")));
  sdk::StopRequest request;
  request.target = {
      {"project_id", kProject}, {"script_name", kScript}, {"instance_id", running_instance(0)}};
  const auto outcome = stop_or_error(dlf, request);
  EXPECT_EQ(outcome.code, Code::unauthenticated) << outcome.message;
  EXPECT_NE(outcome.message.find("verify aksk signature fail"), std::string::npos);
}

TEST_F(SecurityTest, SecretsFromTheEnvironmentAndFilesAuthenticate) {
  ::setenv("STOPD_HWTEST_TOKEN", kToken, 1);
  const auto file =
      std::filesystem::temp_directory_path() / ("stopd-hwtest-sk-" + std::to_string(::getpid()));
  std::ofstream(file) << kSecretKey << "\n";
  auto env_settings = token_settings();
  env_settings["auth"] = {{"token", {{"env", "STOPD_HWTEST_TOKEN"}}}};
  auto file_settings = aksk_settings();
  file_settings["auth"]["secret_key"] = {{"file", file.string()}};
  DlfScriptInstanceProvider from_env(provider_config(env_settings));
  DlfScriptInstanceProvider from_file(provider_config(file_settings));
  sdk::StopRequest request;
  request.target = {
      {"project_id", kProject}, {"script_name", kScript}, {"instance_id", running_instance(7)}};
  EXPECT_EQ(stop_or_error(from_env, request).code, Code::stopped);
  request.target["instance_id"] = running_instance(8);
  EXPECT_EQ(stop_or_error(from_file, request).code, Code::stopped);
  std::filesystem::remove(file);
}

TEST_F(SecurityTest, SecretsAppearInNoLogOutcomeOrEmulatorRecord) {
  auto logger = std::make_shared<test::RecordingLogger>();
  DlfScriptInstanceProvider token_dlf(provider_config(token_settings(), logger));
  DlfScriptInstanceProvider aksk_dlf(provider_config(aksk_settings(), logger));
  DlfScriptInstanceProvider bad_dlf(provider_config(aksk_settings("sk-SECRET-wrong-key"), logger));
  CdmClusterProvider bad_cdm(provider_config(token_settings("tok-SECRET-unknown-token"), logger));
  std::vector<std::string> everything;
  auto run = [&](sdk::IStopProvider& provider, nlohmann::json target) {
    auto context = RecordingContext::immediate(10s);
    sdk::StopRequest request;
    request.target = std::move(target);
    sdk::StopOutcome outcome;
    try {
      outcome = provider.stop(request, *context);
    } catch (const sdk::StopError& e) {
      outcome = sdk::StopOutcome::make(e.code(), e.what());
    }
    everything.push_back(outcome.message);
    everything.push_back(outcome.details.dump());
    for (const auto& line : context->log_lines()) everything.push_back(line.message);
  };
  emulator().set_faults({{"fail_next", 2}, {"fail_status", 429}});  // retries get logged too
  run(token_dlf,
      {{"project_id", kProject}, {"script_name", kScript}, {"instance_id", running_instance(9)}});
  run(aksk_dlf,
      {{"project_id", kProject}, {"script_name", kScript}, {"instance_id", running_instance(10)}});
  run(bad_dlf,
      {{"project_id", kProject}, {"script_name", kScript}, {"instance_id", running_instance(11)}});
  run(bad_cdm, {{"project_id", kProject}, {"cluster_id", kIdleCluster}});
  for (const auto& [level, line] : logger->lines()) everything.push_back(line);
  everything.push_back(emulator().requests().dump());
  ASSERT_GT(everything.size(), 10u);
  for (const auto& text : everything)
    EXPECT_EQ(text.find("SECRET"), std::string::npos) << text;  // every test secret holds it
}

}  // namespace
}  // namespace stopd::hwtest
