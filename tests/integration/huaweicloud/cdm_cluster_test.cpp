// huaweicloud.cdm.cluster against the emulator: the three stop modes with wait, the
// already-stopped shortcut, and every documented status code with CDM's error body.
#include <gtest/gtest.h>

#include <future>

#include "emulator_environment.hpp"
#include "stopd/huaweicloud/cdm_cluster_provider.hpp"
#include "stopd/test/process_probe.hpp"
#include "stopd/test/recording_context.hpp"

namespace stopd::hwtest {
namespace {

using namespace std::chrono_literals;
using huaweicloud::CdmClusterProvider;
using sdk::Code;
using test::RecordingContext;

sdk::StopRequest cluster_stop(const std::string& cluster, bool wait,
                              const std::string& project = kProject) {
  sdk::StopRequest request;
  request.type = CdmClusterProvider::kName;
  request.target = {{"project_id", project}, {"cluster_id", cluster}};
  if (wait) request.options = {{"wait", true}};
  return request;
}

nlohmann::json stop_body_sent() {
  const auto posts = emulator().requests_with("POST");
  if (posts.size() != 1) return {{"posts", posts.size()}};
  return nlohmann::json::parse(posts[0]["body"].get<std::string>());
}

class CdmClusterTest : public EmulatorTest {
 protected:
  CdmClusterProvider provider_{provider_config(token_settings())};
};

TEST_F(CdmClusterTest, GracefulStopSendsTheGraceAsDelayTimeAndWaitsForStatus900) {
  auto context = RecordingContext::with_grace(1s, 20s);
  const auto started = std::chrono::steady_clock::now();
  const auto outcome = provider_.stop(cluster_stop(kIdleCluster, true), *context);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(outcome.code, Code::stopped) << outcome.message;
  EXPECT_FALSE(outcome.forced);
  EXPECT_EQ(stop_body_sent(),
            (nlohmann::json{{"stop", {{"stopMode", "GRACEFULLY"}, {"delayTime", 1}}}}));
  EXPECT_EQ(outcome.details["jobId"].size(), 1u) << outcome.details.dump();
  EXPECT_EQ(outcome.details["confirmed"], true);
  EXPECT_EQ(outcome.details["status"], 900);
  EXPECT_GE(took, 900ms);  // the cluster waited out delayTime before stopping
  EXPECT_LT(took, 15s);
}

TEST_F(CdmClusterTest, DrainSendsMinusOneRefusesNewJobsAndStopsWhenTheJobsFinish) {
  auto context = RecordingContext::draining(30s);
  auto request = cluster_stop(kBusyCluster, true);
  request.grace = std::nullopt;
  auto running = std::async(std::launch::async, [&] { return provider_.stop(request, *context); });
  // While it drains: 910, and no new jobs accepted.
  EXPECT_TRUE(test::wait_until(
      [] {
        const auto state = emulator().state();
        for (const auto& cluster : state["clusters"])
          if (cluster["cluster_id"] == kBusyCluster)
            return cluster["status"] == 910 && cluster["accepting_jobs"] == false;
        return false;
      },
      5s));
  const auto outcome = running.get();
  ASSERT_EQ(outcome.code, Code::stopped) << outcome.message;
  EXPECT_EQ(stop_body_sent(),
            (nlohmann::json{{"stop", {{"stopMode", "GRACEFULLY"}, {"delayTime", -1}}}}));
  EXPECT_EQ(outcome.details["delay_time"], -1);
  EXPECT_EQ(outcome.details["status"], 900);
}

TEST_F(CdmClusterTest, ImmediateStopSendsImmediatelyAndTheClusterIsStoppedAtOnce) {
  auto context = RecordingContext::immediate(10s);
  auto request = cluster_stop(kBusyCluster, true);
  request.mode = sdk::Mode::immediate;
  const auto outcome = provider_.stop(request, *context);
  ASSERT_EQ(outcome.code, Code::stopped) << outcome.message;
  EXPECT_TRUE(outcome.forced);
  EXPECT_EQ(stop_body_sent(), (nlohmann::json{{"stop", {{"stopMode", "IMMEDIATELY"}}}}));
  EXPECT_EQ(outcome.details["status"], 900);
}

TEST_F(CdmClusterTest, EscalationWhileWaitingSendsImmediately) {
  auto context = RecordingContext::with_grace(60s, 30s);
  auto running = std::async(std::launch::async, [&] {
    return provider_.stop(cluster_stop(kIdleCluster, true), *context);
  });
  ASSERT_TRUE(test::wait_until([] { return emulator().requests_with("POST").size() == 1; }, 5s));
  context->set_force_at(std::chrono::steady_clock::now());  // an immediate stop joined
  const auto outcome = running.get();
  ASSERT_EQ(outcome.code, Code::stopped) << outcome.message;
  EXPECT_TRUE(outcome.forced);
  const auto posts = emulator().requests_with("POST");
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(posts[1]["body"].get<std::string>()),
            (nlohmann::json{{"stop", {{"stopMode", "IMMEDIATELY"}}}}));
  EXPECT_EQ(outcome.details["jobId"].size(), 2u);
}

TEST_F(CdmClusterTest, AlreadyStoppedClusterIsReportedWithoutAStopCall) {
  auto context = RecordingContext::with_grace(5s);
  const auto outcome = provider_.stop(cluster_stop(kStoppedCluster, true), *context);
  EXPECT_EQ(outcome.code, Code::already_stopped) << outcome.message;
  EXPECT_TRUE(emulator().requests_with("POST").empty());
  EXPECT_EQ(emulator().requests_with("GET").size(), 1u);
}

TEST_F(CdmClusterTest, WithoutWaitTheAcceptedStopIsReportedUnconfirmed) {
  auto context = RecordingContext::with_grace(30s);
  const auto outcome = provider_.stop(cluster_stop(kIdleCluster, false), *context);
  EXPECT_EQ(outcome.code, Code::stopped) << outcome.message;
  EXPECT_EQ(outcome.details["confirmed"], false);
  EXPECT_EQ(outcome.details["delay_time"], 30);
  EXPECT_NE(outcome.message.find("wait option"), std::string::npos) << outcome.message;
}

TEST_F(CdmClusterTest, UnknownClusterIs404NotFoundWithCdmsCodeAndRequestId) {
  auto context = RecordingContext::with_grace(5s);
  const auto outcome = provider_.stop(cluster_stop("c0000000-dead", true), *context);
  EXPECT_EQ(outcome.code, Code::not_found);
  EXPECT_EQ(outcome.details["http_status"], 404);
  EXPECT_EQ(outcome.details["error_code"], "Cdm.0015");
  EXPECT_NE(outcome.message.find("The cluster c0000000-dead does not exist."), std::string::npos)
      << outcome.message;
  const auto logged = emulator().requests();
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(outcome.details["request_id"], logged[0]["request_id"]);
  EXPECT_NE(outcome.message.find(logged[0]["request_id"].get<std::string>()), std::string::npos);
}

TEST_F(CdmClusterTest, StopRefusedByTheClustersStateIs400InvalidArgument) {
  auto context = RecordingContext::with_grace(5s);
  const auto outcome = provider_.stop(cluster_stop(kFrozenCluster, false), *context);
  EXPECT_EQ(outcome.code, Code::invalid_argument) << outcome.message;
  EXPECT_EQ(outcome.details["error_code"], "Cdm.0100");
  EXPECT_NE(outcome.message.find("does not allow a stop"), std::string::npos) << outcome.message;
}

TEST_F(CdmClusterTest, UnknownTokenIs401Unauthenticated) {
  CdmClusterProvider provider(provider_config(token_settings("tok-SECRET-unknown")));
  auto context = RecordingContext::with_grace(5s);
  const auto outcome = provider.stop(cluster_stop(kIdleCluster, false), *context);
  EXPECT_EQ(outcome.code, Code::unauthenticated) << outcome.message;
  EXPECT_EQ(outcome.details["error_code"], "APIGW.0301");
  EXPECT_EQ(outcome.details["http_status"], 401);
}

TEST_F(CdmClusterTest, AnotherProjectsTokenIs403PermissionDenied) {
  CdmClusterProvider provider(provider_config(token_settings(kOtherProjectToken)));
  auto context = RecordingContext::with_grace(5s);
  const auto outcome = provider.stop(cluster_stop(kIdleCluster, false), *context);
  EXPECT_EQ(outcome.code, Code::permission_denied) << outcome.message;
  EXPECT_EQ(outcome.details["error_code"], "APIGW.0302");
}

TEST_F(CdmClusterTest, ReadOnlyCallerGetsCdms403OnTheStop) {
  CdmClusterProvider provider(provider_config(token_settings(kReadOnlyToken)));
  auto context = RecordingContext::with_grace(5s);
  const auto outcome = provider.stop(cluster_stop(kIdleCluster, false), *context);
  EXPECT_EQ(outcome.code, Code::permission_denied) << outcome.message;
  EXPECT_EQ(outcome.details["error_code"], "Cdm.0004");
}

TEST_F(CdmClusterTest, Persistent500And503AreUnavailableWithCdmsBody) {
  for (const int status : {500, 503}) {
    emulator().reset();
    emulator().set_faults({{"fail_rate", 1.0}, {"fail_status", status}});
    auto context = RecordingContext::with_grace(5s, 20s);
    const auto outcome = provider_.stop(cluster_stop(kIdleCluster, false), *context);
    EXPECT_EQ(outcome.code, Code::unavailable) << status << ": " << outcome.message;
    EXPECT_EQ(outcome.details["http_status"], status);
    EXPECT_EQ(outcome.details["error_code"], "Cdm.0000");
    EXPECT_EQ(outcome.details["attempts"], 5);  // settings.retry.max_attempts
  }
}

TEST_F(CdmClusterTest, InspectReportsRunningStoppedAndAbsent) {
  EXPECT_EQ(provider_.inspect({{"project_id", kProject}, {"cluster_id", kIdleCluster}}).state,
            sdk::Inspection::State::running);
  EXPECT_EQ(provider_.inspect({{"project_id", kProject}, {"cluster_id", kStoppedCluster}}).state,
            sdk::Inspection::State::stopped);
  EXPECT_EQ(provider_.inspect({{"project_id", kProject}, {"cluster_id", "nope"}}).state,
            sdk::Inspection::State::absent);
  EXPECT_TRUE(emulator().requests_with("POST").empty());
}

TEST_F(CdmClusterTest, WaitEndsWithDeadlineExceededWhenTheClusterOutlivesTheDeadline) {
  // Long enough for the first status read on a loaded machine (at 1.5 s, under `ctest -j2`, the
  // deadline sometimes came before any status was seen, and details had none).
  auto context = RecordingContext::draining(3s);
  auto request = cluster_stop(kIdleCluster, true);
  // GRACEFULLY 30 s: the cluster keeps running far past the 3 s deadline.
  context->set_force_at(std::chrono::steady_clock::now() + 30s);
  const auto started = std::chrono::steady_clock::now();
  const auto outcome = provider_.stop(request, *context);
  EXPECT_EQ(outcome.code, Code::deadline_exceeded) << outcome.message;
  EXPECT_EQ(outcome.details["status"], 910);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
}

TEST_F(CdmClusterTest, UnconfiguredProviderFailsWithFailedPrecondition) {
  CdmClusterProvider provider(provider_config(nlohmann::json::object()));
  auto context = RecordingContext::with_grace(5s);
  try {
    provider.stop(cluster_stop(kIdleCluster, false), *context);
    ADD_FAILURE() << "no error";
  } catch (const sdk::StopError& e) {
    EXPECT_EQ(e.code(), Code::failed_precondition);
    EXPECT_NE(std::string(e.what()).find("providers.huaweicloud.cdm.cluster.settings"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace stopd::hwtest
