// Both providers when nothing serves the CRI at the configured endpoint: `unavailable` (which the
// host retries) with the endpoint in the message. Needs no containerd.
#include <unistd.h>

#include "provider_fixture.hpp"

namespace stopd::cri_test {
namespace {

std::string nowhere() {
  return "unix:///tmp/stopd-no-containerd-" + std::to_string(getpid()) + ".sock";
}

TEST(CriUnreachableTest, ContainerStopIsUnavailableNamingTheEndpoint) {
  cri::ContainerProvider provider(config_for(nowhere()));
  auto context = test::RecordingContext::with_grace(10s);
  const auto [outcome, elapsed] =
      run_stop(provider, graceful("cri.container", {{"container_id", unknown_id()}}, 10s), context);
  EXPECT_EQ(outcome.code, sdk::Code::unavailable) << describe(outcome);
  EXPECT_NE(outcome.message.find(nowhere()), std::string::npos) << outcome.message;
  EXPECT_LT(elapsed, 10s) << "an absent socket must fail fast, not wait out the deadline";
}

TEST(CriUnreachableTest, PodSandboxStopIsUnavailableNamingTheEndpoint) {
  cri::PodSandboxProvider provider(config_for(nowhere()));
  auto context = test::RecordingContext::immediate(10s);
  const auto [outcome, elapsed] =
      run_stop(provider, immediate("cri.pod_sandbox", {{"pod_sandbox_id", unknown_id()}}), context);
  EXPECT_EQ(outcome.code, sdk::Code::unavailable) << describe(outcome);
  EXPECT_NE(outcome.message.find(nowhere()), std::string::npos) << outcome.message;
}

TEST(CriUnreachableTest, InspectAndListThrowUnavailable) {
  cri::ContainerProvider provider(config_for(nowhere()));
  try {
    provider.inspect({{"container_id", unknown_id()}});
    ADD_FAILURE() << "inspect() did not throw";
  } catch (const sdk::StopError& error) {
    EXPECT_EQ(error.code(), sdk::Code::unavailable) << error.what();
    EXPECT_NE(std::string(error.what()).find(nowhere()), std::string::npos) << error.what();
  }
  try {
    provider.list({{"labels", {{"app", "web"}}}});
    ADD_FAILURE() << "list() did not throw";
  } catch (const sdk::StopError& error) {
    EXPECT_EQ(error.code(), sdk::Code::unavailable) << error.what();
  }
}

TEST(CriSettingsTest, EndpointMustBeAUnixSocket) {
  EXPECT_THROW(cri::ContainerProvider(config_for("tcp://127.0.0.1:1234")), std::invalid_argument);
  EXPECT_THROW(cri::ContainerProvider(config_for("relative.sock")), std::invalid_argument);
  EXPECT_EQ(cri::parse_settings({{"endpoint", "/run/x.sock"}}).endpoint, "unix:///run/x.sock");
  EXPECT_EQ(cri::parse_settings(json::object()).endpoint, cri::kDefaultEndpoint);
}

}  // namespace
}  // namespace stopd::cri_test
