// cri.pod_sandbox stopping real pod sandboxes of a private containerd: members killed, the IP
// released (host-local's allocation file gone), the sandbox NOTREADY, and the message and details
// that say so. The rules every provider keeps (missing → not_found, deadline, cancellation,
// escalation, an immediate stop's timing) are the conformance suite's: tests/conformance,
// conformance.cri_pod_sandbox.
#include <algorithm>
#include <filesystem>
#include <iterator>
#include <map>

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

// Kept beside the suite's immediate rule, which checks that the stop is at once but not that the
// outcome says forced.
TEST_F(PodSandboxStopTest, ImmediateStopSaysForced) {
  const Pod pod = run_pod(containerd(), "sandbox-immediate");
  start_container(containerd(), pod, "stubborn", ignores_sigterm());
  auto context = test::RecordingContext::immediate(30s);
  const auto [outcome, elapsed] =
      run_stop(*provider_, immediate("cri.pod_sandbox", target(pod.id)), context);
  EXPECT_EQ(outcome.code, sdk::Code::stopped) << describe(outcome);
  EXPECT_TRUE(outcome.forced) << describe(outcome);
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

// "name (first 12 digits of the id)", as the outcome's message names a container.
std::string label(const std::string& name, const std::string& id) {
  return name + " (" + id.substr(0, 12) + ")";
}

// details[key], or null: a const json's [] on a missing key is undefined.
json field(const json& details, const char* key) {
  return details.value(key, json());
}

bool has_control_characters(const std::string& text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

TEST_F(PodSandboxStopTest, MemberCreatedButNeverStartedIsReportedAsSuch) {
  const Pod pod = run_pod(containerd(), "sandbox-created");
  const std::string runner = start_container(containerd(), pod, "runner", exits_on_sigterm());
  const std::string idle = create_container(containerd(), pod, "idle", exits_on_sigterm());
  const std::string ip = sandbox_status(containerd(), pod.id).network().ip();
  ASSERT_FALSE(ip.empty()) << "the CNI gave the pod no IP";

  auto context = test::RecordingContext::with_grace(10s);
  const auto [outcome, elapsed] =
      run_stop(*provider_, graceful("cri.pod_sandbox", target(pod.id), 10s), context);

  ASSERT_EQ(outcome.code, sdk::Code::stopped) << describe(outcome);
  EXPECT_EQ(field(outcome.details, "never_started_containers"),
            json::array({{{"container_id", idle}, {"name", "idle"}}}))
      << describe(outcome);
  // Guards the fix: a container that never ran was not stopped.
  ASSERT_EQ(outcome.details["stopped_containers"].size(), 1u) << describe(outcome);
  EXPECT_EQ(outcome.details["stopped_containers"][0]["container_id"], runner);
  EXPECT_NE(outcome.message.find("1 container never started (created only, nothing to stop): " +
                                 label("idle", idle)),
            std::string::npos)
      << outcome.message;
  EXPECT_NE(outcome.message.find("1 running container stopped: " + label("runner", runner)),
            std::string::npos)
      << outcome.message;
  EXPECT_NE(outcome.message.find("1 IP released: " + ip), std::string::npos) << outcome.message;
  // The README's claim: StopPodSandbox has nothing to stop in it, so it stays CREATED.
  EXPECT_EQ(container_status(containerd(), idle).state(), v1::CONTAINER_CREATED);

  // The repeat: nothing ran, the never-started member still named.
  auto again = test::RecordingContext::with_grace(10s);
  const auto [repeat, repeat_elapsed] =
      run_stop(*provider_, graceful("cri.pod_sandbox", target(pod.id), 10s), again);
  EXPECT_EQ(repeat.code, sdk::Code::already_stopped) << describe(repeat);
  EXPECT_EQ(field(repeat.details, "never_started_containers").size(), 1u) << describe(repeat);
  EXPECT_NE(repeat.message.find("1 container never started (created only, nothing to stop): " +
                                label("idle", idle)),
            std::string::npos)
      << repeat.message;
}

TEST_F(PodSandboxStopTest, MessageNamesTheFirstFewMembersThenHowManyMore) {
  const Pod pod = run_pod(containerd(), "sandbox-many");
  std::map<std::string, std::string> running;  // id → name, in the message's (id) order
  for (int i = 0; i < 5; ++i) {
    const std::string name = "runner" + std::to_string(i);
    running[start_container(containerd(), pod, name, exits_on_sigterm())] = name;
  }
  std::map<std::string, std::string> created;
  for (int i = 0; i < 4; ++i) {
    const std::string name = "idle" + std::to_string(i);
    created[create_container(containerd(), pod, name, exits_on_sigterm())] = name;
  }
  const auto first_three = [](const std::map<std::string, std::string>& members) {
    std::string text;
    for (auto it = members.begin(); it != members.end() && std::distance(members.begin(), it) < 3;
         ++it)
      text += (text.empty() ? "" : ", ") + label(it->second, it->first);
    return text;
  };

  auto context = test::RecordingContext::with_grace(10s);
  const auto [outcome, elapsed] =
      run_stop(*provider_, graceful("cri.pod_sandbox", target(pod.id), 10s), context);

  ASSERT_EQ(outcome.code, sdk::Code::stopped) << describe(outcome);
  EXPECT_EQ(outcome.details["stopped_containers"].size(), 5u) << describe(outcome);
  EXPECT_EQ(field(outcome.details, "never_started_containers").size(), 4u) << describe(outcome);
  EXPECT_NE(outcome.message.find("5 running containers stopped: " + first_three(running) +
                                 " and 2 more;"),
            std::string::npos)
      << outcome.message;
  EXPECT_NE(outcome.message.find("4 containers never started (created only, nothing to stop): " +
                                 first_three(created) + " and 1 more"),
            std::string::npos)
      << outcome.message;
}

TEST_F(PodSandboxStopTest, RuntimeNamesReachTheMessageShortAndWithoutControlCharacters) {
  // The runtime stores whatever name it is given; the escape sequences would clear an operator's
  // screen and set the terminal's title if the message carried them.
  const Pod pod = run_pod(containerd(), "sandbox-\x1b[2J-\x07");
  const std::string hostile = "web\x1b]0;owned\x07\n" + std::string(100, 'x');
  const std::string member = start_container(containerd(), pod, hostile, exits_on_sigterm());
  const std::string idle = create_container(containerd(), pod, "idle\r\x1b[1A", exits_on_sigterm());

  auto context = test::RecordingContext::with_grace(10s);
  const auto [outcome, elapsed] =
      run_stop(*provider_, graceful("cri.pod_sandbox", target(pod.id), 10s), context);

  ASSERT_EQ(outcome.code, sdk::Code::stopped) << describe(outcome);
  EXPECT_FALSE(has_control_characters(outcome.message)) << json(outcome.message).dump();
  // Cut to 63 characters, each control character a '?'.
  const std::string shown =
      "web?]0;owned??" + std::string(49, 'x') + "… (" + member.substr(0, 12) + ")";
  EXPECT_NE(outcome.message.find(shown), std::string::npos) << json(outcome.message).dump();
  EXPECT_NE(outcome.message.find("idle??[1A (" + idle.substr(0, 12) + ")"), std::string::npos)
      << json(outcome.message).dump();
  // The details stay exact.
  ASSERT_EQ(outcome.details["stopped_containers"].size(), 1u) << describe(outcome);
  EXPECT_EQ(outcome.details["stopped_containers"][0]["name"], hostile);
}

}  // namespace
}  // namespace stopd::cri_test
