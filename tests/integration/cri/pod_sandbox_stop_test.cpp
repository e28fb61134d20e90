// cri.pod_sandbox stopping real pod sandboxes of a private containerd: members killed, the IP
// released (host-local's allocation file gone), the sandbox NOTREADY.
#include <filesystem>

#include "provider_fixture.hpp"

namespace stopd::cri_test {
namespace {

namespace fs = std::filesystem;

class PodSandboxStopTest : public CriTest {
 protected:
  void SetUp() override {
    CriTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    provider_ = std::make_unique<cri::PodSandboxProvider>(config_for(containerd().endpoint()));
  }
  json target(const std::string& id) const { return {{"pod_sandbox_id", id}}; }

  std::unique_ptr<cri::PodSandboxProvider> provider_;
};

TEST_F(PodSandboxStopTest, StopKillsATermIgnoringContainerReleasesTheIpAndRepeatsCheaply) {
  const Pod pod = run_pod(containerd(), "sandbox-stop");
  const std::string member = start_container(containerd(), pod, "stubborn", ignores_sigterm());
  const std::string ip = sandbox_status(containerd(), pod.id).network().ip();
  ASSERT_FALSE(ip.empty()) << "the CNI gave the pod no IP";
  const fs::path ip_file = containerd().ip_allocation_dir() / ip;
  ASSERT_TRUE(fs::exists(ip_file)) << ip_file << " (host-local's allocation) is missing";

  auto context = test::RecordingContext::with_grace(1s);
  const auto [outcome, elapsed] =
      run_stop(*provider_, graceful("cri.pod_sandbox", target(pod.id), 1s), context);

  EXPECT_EQ(outcome.code, sdk::Code::stopped) << describe(outcome);
  EXPECT_TRUE(outcome.forced) << describe(outcome);
  EXPECT_EQ(outcome.details["released_ips"], json::array({ip})) << describe(outcome);
  ASSERT_EQ(outcome.details["stopped_containers"].size(), 1u) << describe(outcome);
  EXPECT_EQ(outcome.details["stopped_containers"][0]["container_id"], member);
  EXPECT_EQ(outcome.details["stopped_containers"][0]["exit_code"], 137);
  EXPECT_EQ(outcome.details["state"], "notready");
  EXPECT_LT(elapsed, 10s);

  EXPECT_FALSE(fs::exists(ip_file)) << "the pod's IP was not released";
  EXPECT_EQ(sandbox_status(containerd(), pod.id).state(), v1::SANDBOX_NOTREADY);
  EXPECT_EQ(container_status(containerd(), member).state(), v1::CONTAINER_EXITED);

  auto again = test::RecordingContext::with_grace(10s);
  const auto [repeat, repeat_elapsed] =
      run_stop(*provider_, graceful("cri.pod_sandbox", target(pod.id), 10s), again);
  EXPECT_EQ(repeat.code, sdk::Code::already_stopped) << describe(repeat);
  EXPECT_TRUE(repeat.details["stopped_containers"].empty()) << describe(repeat);
  EXPECT_LT(repeat_elapsed, 3s);
}

TEST_F(PodSandboxStopTest, GracefulStopLetsMembersExitOnSigterm) {
  const Pod pod = run_pod(containerd(), "sandbox-graceful");
  const std::string first = start_container(containerd(), pod, "first", exits_on_sigterm());
  const std::string second = start_container(containerd(), pod, "second", exits_on_sigterm());

  auto context = test::RecordingContext::with_grace(10s);
  const auto [outcome, elapsed] =
      run_stop(*provider_, graceful("cri.pod_sandbox", target(pod.id), 10s), context);

  EXPECT_EQ(outcome.code, sdk::Code::stopped) << describe(outcome);
  EXPECT_FALSE(outcome.forced) << describe(outcome);
  ASSERT_EQ(outcome.details["stopped_containers"].size(), 2u) << describe(outcome);
  for (const auto& stopped : outcome.details["stopped_containers"]) {
    EXPECT_EQ(stopped["exit_code"], 0) << describe(outcome);
    EXPECT_EQ(stopped["forced"], false) << describe(outcome);
  }
  EXPECT_LT(elapsed, 5s) << "members that exit on SIGTERM must not wait out the grace";
  EXPECT_EQ(container_status(containerd(), first).exit_code(), 0);
  EXPECT_EQ(container_status(containerd(), second).exit_code(), 0);
}

TEST_F(PodSandboxStopTest, ImmediateStopSkipsTheGrace) {
  const Pod pod = run_pod(containerd(), "sandbox-immediate");
  start_container(containerd(), pod, "stubborn", ignores_sigterm());
  auto context = test::RecordingContext::immediate(30s);
  const auto [outcome, elapsed] =
      run_stop(*provider_, immediate("cri.pod_sandbox", target(pod.id)), context);
  EXPECT_EQ(outcome.code, sdk::Code::stopped) << describe(outcome);
  EXPECT_TRUE(outcome.forced) << describe(outcome);
  EXPECT_LT(elapsed, 5s);
}

TEST_F(PodSandboxStopTest, EmptySandboxStopsAndReleasesItsIp) {
  const Pod pod = run_pod(containerd(), "sandbox-empty");
  const std::string ip = sandbox_status(containerd(), pod.id).network().ip();
  auto context = test::RecordingContext::with_grace(10s);
  const auto [outcome, elapsed] =
      run_stop(*provider_, graceful("cri.pod_sandbox", target(pod.id), 10s), context);
  EXPECT_EQ(outcome.code, sdk::Code::stopped) << describe(outcome);
  EXPECT_FALSE(outcome.forced);
  EXPECT_EQ(outcome.details["released_ips"], json::array({ip}));
  EXPECT_FALSE(fs::exists(containerd().ip_allocation_dir() / ip));
}

TEST_F(PodSandboxStopTest, UnknownIdIsNotFound) {
  auto context = test::RecordingContext::with_grace(10s);
  const auto [outcome, elapsed] =
      run_stop(*provider_, graceful("cri.pod_sandbox", target(unknown_id()), 10s), context);
  EXPECT_EQ(outcome.code, sdk::Code::not_found) << describe(outcome);
}

}  // namespace
}  // namespace stopd::cri_test
