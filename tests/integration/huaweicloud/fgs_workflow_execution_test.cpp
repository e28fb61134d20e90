// huaweicloud.fgs.workflow_execution against the emulator: the documented body, stopped_at in
// the details, the URN encoded as one path segment, and the error answers.
#include <gtest/gtest.h>

#include <regex>

#include "emulator_environment.hpp"
#include "stopd/huaweicloud/fgs_workflow_execution_provider.hpp"
#include "stopd/test/recording_context.hpp"

namespace stopd::hwtest {
namespace {

using huaweicloud::FgsWorkflowExecutionProvider;
using sdk::Code;
using test::RecordingContext;

sdk::StopRequest execution_stop(const std::string& execution, const std::string& graph = kGraph) {
  sdk::StopRequest request;
  request.type = FgsWorkflowExecutionProvider::kName;
  request.target = {{"project_id", kProject}, {"graph_urn", graph}, {"execution_urn", execution}};
  return request;
}

class FgsWorkflowExecutionTest : public EmulatorTest {
 protected:
  FgsWorkflowExecutionProvider provider_{provider_config(token_settings())};
};

TEST_F(FgsWorkflowExecutionTest, StopSendsTheDocumentedBodyAndReportsStoppedAt) {
  auto context = RecordingContext::immediate();
  const auto outcome = provider_.stop(execution_stop(execution_urn(0)), *context);
  ASSERT_EQ(outcome.code, Code::stopped) << outcome.message;
  const std::string stopped_at = outcome.details.value("stopped_at", "");
  EXPECT_TRUE(std::regex_match(stopped_at, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << stopped_at;
  const auto posts = emulator().requests_with("POST");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(posts[0]["body"].get<std::string>()),
            (nlohmann::json{{"action_type", "stop"},
                            {"executions", {{"execution_urn", execution_urn(0)}}}}));
  // The URN's ':' are encoded: the graph is one segment, decoded back to the URN.
  EXPECT_EQ(posts[0]["path"], std::string("/v1.0/") + kProject +
                                  "/cloud_graphs/urn%3Afgs%3Acn-north-4%3A" + kProject +
                                  "%3Agraph%3Avideo-analysis/executions/action");
  EXPECT_EQ(posts[0]["params"][1], kGraph);
}

TEST_F(FgsWorkflowExecutionTest, UnknownExecutionAndUnknownGraphAre404NotFound) {
  auto context = RecordingContext::immediate();
  const auto no_execution = provider_.stop(execution_stop(execution_urn(99)), *context);
  EXPECT_EQ(no_execution.code, Code::not_found) << no_execution.message;
  EXPECT_EQ(no_execution.details["error_code"], "FSS.1052");
  const auto no_graph = provider_.stop(
      execution_stop(execution_urn(0), "urn:fgs:cn-north-4:x:graph:missing"), *context);
  EXPECT_EQ(no_graph.code, Code::not_found) << no_graph.message;
  EXPECT_EQ(no_graph.details["error_code"], "FSS.1051");
}

TEST_F(FgsWorkflowExecutionTest, AuthFailuresAndPermissionAreMapped) {
  auto context = RecordingContext::immediate();
  FgsWorkflowExecutionProvider unknown(provider_config(token_settings("tok-SECRET-nobody")));
  EXPECT_EQ(unknown.stop(execution_stop(execution_urn(1)), *context).code, Code::unauthenticated);
  FgsWorkflowExecutionProvider other(provider_config(token_settings(kOtherProjectToken)));
  EXPECT_EQ(other.stop(execution_stop(execution_urn(1)), *context).code, Code::permission_denied);
  FgsWorkflowExecutionProvider read_only(provider_config(token_settings(kReadOnlyToken)));
  const auto refused = read_only.stop(execution_stop(execution_urn(1)), *context);
  EXPECT_EQ(refused.code, Code::permission_denied);
  EXPECT_EQ(refused.details["error_code"], "FSS.0403");
}

TEST_F(FgsWorkflowExecutionTest, Persistent500And503AreUnavailable) {
  for (const int status : {500, 503}) {
    emulator().reset();
    emulator().set_faults({{"fail_rate", 1.0}, {"fail_status", status}});
    auto context = RecordingContext::immediate(std::chrono::seconds(20));
    const auto outcome = provider_.stop(execution_stop(execution_urn(2)), *context);
    EXPECT_EQ(outcome.code, Code::unavailable) << outcome.message;
    EXPECT_EQ(outcome.details["error_code"], "FSS.0500");
  }
}

TEST_F(FgsWorkflowExecutionTest, SecondStopAnswersTheSameStoppedAt) {
  auto context = RecordingContext::immediate();
  const auto first = provider_.stop(execution_stop(execution_urn(3)), *context);
  const auto second = provider_.stop(execution_stop(execution_urn(3)), *context);
  ASSERT_EQ(second.code, Code::stopped) << second.message;
  EXPECT_EQ(first.details["stopped_at"], second.details["stopped_at"]);
}

}  // namespace
}  // namespace stopd::hwtest
