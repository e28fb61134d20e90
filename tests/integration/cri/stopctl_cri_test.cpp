// cri.container and cri.pod_sandbox as a user reaches them: the real stopctl (--local, and
// against a real stopd), on a private containerd, including `--selector`.
#include "client/test_daemon.hpp"
#include "provider_fixture.hpp"
#include "stopctl_runner.hpp"
#include "stopd/core/exit_codes.hpp"
#include "stopd/test/isolation_mode.hpp"

namespace stopd::cri_test {
namespace {

using e2e::run_stopctl;
using e2e::StopctlResult;

class StopctlCriTest : public CriTest {
 protected:
  // The providers' settings: this containerd's socket.
  json providers() const {
    const json settings = {{"settings", {{"endpoint", shared_containerd()->endpoint()}}}};
    return test::with_test_isolation(
        {{"providers", {{"cri.container", settings}, {"cri.pod_sandbox", settings}}}})["providers"];
  }
  std::string local_config() {
    return dir_.write("stopd.json",
                      json{{"plugin_dirs", {STOPD_PLUGIN_DIR}}, {"providers", providers()}}.dump());
  }
  StopctlResult local(std::vector<std::string> args) {
    args.insert(args.begin(), {"--local", "--config", local_config()});
    return run_stopctl(std::move(args), 120s);
  }
  bool running(const std::string& id) {
    return container_status(containerd(), id).state() == v1::CONTAINER_RUNNING;
  }

  e2e::TempDir dir_;
};

TEST_F(StopctlCriTest, LocalStopOfAContainerReportsTheExitCode) {
  const Pod pod = run_pod(containerd(), "stopctl-local");
  const std::string id = start_container(containerd(), pod, "web", exits_on_sigterm());
  const auto result = local({"stop", "cri.container", "container_id=" + id, "-o", "json"});
  ASSERT_EQ(result.exit_code, 0) << result;
  const json out = result.json();
  EXPECT_EQ(out["code"], "stopped") << result;
  EXPECT_EQ(out["details"]["exit_code"], 0) << result;
  EXPECT_FALSE(running(id));
}

TEST_F(StopctlCriTest, DaemonStopsAContainerAndASandbox) {
  const Pod pod = run_pod(containerd(), "stopctl-daemon");
  const std::string id = start_container(containerd(), pod, "stubborn", ignores_sigterm());
  e2e::TestDaemon daemon(dir_, {{"providers", providers()}});

  const auto container = daemon.stopctl(
      {"stop", "cri.container", "container_id=" + id, "--grace", "1", "--wait", "-o", "json"});
  ASSERT_EQ(container.exit_code, 0) << container << daemon.log();
  EXPECT_EQ(container.json()["code"], "stopped") << container;
  EXPECT_EQ(container.json()["forced"], true) << container;
  EXPECT_EQ(container.json()["details"]["exit_code"], 137) << container;

  const auto sandbox = daemon.stopctl(
      {"stop", "cri.pod_sandbox", "pod_sandbox_id=" + pod.id, "--immediate", "--wait"});
  ASSERT_EQ(sandbox.exit_code, 0) << sandbox << daemon.log();
  EXPECT_EQ(sandbox_status(containerd(), pod.id).state(), v1::SANDBOX_NOTREADY);
  const auto again = daemon.stopctl(
      {"stop", "cri.pod_sandbox", "pod_sandbox_id=" + pod.id, "--wait", "-o", "json"});
  ASSERT_EQ(again.exit_code, 0) << again;
  EXPECT_EQ(again.json()["code"], "already_stopped") << again;
}

TEST_F(StopctlCriTest, HumanOutputOfAPodStopNamesItsContainersAndReleasedIps) {
  const Pod pod = run_pod(containerd(), "stopctl-human");
  const std::string runner = start_container(containerd(), pod, "runner", exits_on_sigterm());
  const std::string idle = create_container(containerd(), pod, "idle", exits_on_sigterm());
  const std::string ip = sandbox_status(containerd(), pod.id).network().ip();
  ASSERT_FALSE(ip.empty()) << "the CNI gave the pod no IP";

  const auto result = local({"stop", "cri.pod_sandbox", "pod_sandbox_id=" + pod.id});
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_NE(result.out.find("1 running container stopped: runner (" + runner.substr(0, 12) + ")"),
            std::string::npos)
      << result;
  EXPECT_NE(result.out.find("1 IP released: " + ip), std::string::npos) << result;
  EXPECT_NE(result.out.find("1 container never started (created only, nothing to stop): idle (" +
                            idle.substr(0, 12) + ")"),
            std::string::npos)
      << result;
}

TEST_F(StopctlCriTest, SelectorThroughTheDaemonStopsEveryMatchAndNothingElse) {
  containerd().remove_all_pods();
  const Pod shop = run_pod(containerd(), "selector-shop");
  const Pod other = run_pod(containerd(), "selector-other");
  const std::string web1 =
      start_container(containerd(), shop, "web1", ignores_sigterm(), {{"app", "web"}});
  const std::string web2 =
      start_container(containerd(), other, "web2", exits_on_sigterm(), {{"app", "web"}});
  const std::string db =
      start_container(containerd(), shop, "db", ignores_sigterm(), {{"app", "db"}});
  e2e::TestDaemon daemon(dir_, {{"providers", providers()}});

  const auto result = daemon.stopctl(
      {"stop", "cri.container", "--selector", "app=web", "--immediate", "--wait", "-o", "json"});
  ASSERT_EQ(result.exit_code, 0) << result << daemon.log();
  const json out = result.json();
  EXPECT_EQ(out["selector"], json({{"labels", {{"app", "web"}}}})) << result;
  ASSERT_EQ(out["results"].size(), 2u) << result;
  std::set<std::string> stopped;
  for (const auto& each : out["results"]) {
    EXPECT_EQ(each["code"], "stopped") << result;
    stopped.insert(each["target"]["container_id"].get<std::string>());
  }
  EXPECT_EQ(stopped, (std::set<std::string>{web1, web2}));
  EXPECT_FALSE(running(web1));
  EXPECT_FALSE(running(web2));
  EXPECT_TRUE(running(db)) << "a container the selector did not match was stopped";

  // Human output: a line per target; nothing left to match is not an error.
  const auto none = daemon.stopctl({"stop", "cri.container", "--selector", "app=web", "--wait"});
  EXPECT_EQ(none.exit_code, 0) << none;
  EXPECT_NE(none.err.find("no cri.container matched the selector app=web"), std::string::npos)
      << none;
}

TEST_F(StopctlCriTest, SelectorWithLocalStopsPodsByNamespace) {
  containerd().remove_all_pods();
  const Pod a = run_pod(containerd(), "ns-a", {}, "batch");
  const Pod b = run_pod(containerd(), "ns-b", {}, "batch");
  const Pod keep = run_pod(containerd(), "ns-keep", {}, "web");
  const auto result =
      local({"stop", "cri.pod_sandbox", "--selector", "namespace=batch", "--immediate"});
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_EQ(sandbox_status(containerd(), a.id).state(), v1::SANDBOX_NOTREADY);
  EXPECT_EQ(sandbox_status(containerd(), b.id).state(), v1::SANDBOX_NOTREADY);
  EXPECT_EQ(sandbox_status(containerd(), keep.id).state(), v1::SANDBOX_READY);
  EXPECT_NE(result.out.find(a.id), std::string::npos) << result;
  EXPECT_NE(result.out.find(b.id), std::string::npos) << result;
}

TEST_F(StopctlCriTest, SelectorAndTargetTogetherAreAUsageError) {
  const auto result =
      local({"stop", "cri.container", "container_id=0123456789abcdef", "--selector", "app=web"});
  EXPECT_EQ(result.exit_code, core::exit_code::usage) << result;
  EXPECT_NE(result.err.find("--selector and target KEY=VALUE"), std::string::npos) << result;
}

TEST_F(StopctlCriTest, UnknownSelectorKeyOfAProviderWithoutLabelsIsRefused) {
  const auto result = local({"stop", "local.process", "--selector", "app=web"});
  EXPECT_EQ(result.exit_code, core::exit_code::invalid_argument) << result;
  EXPECT_NE(result.err.find("local.process selects by"), std::string::npos) << result;
}

TEST_F(StopctlCriTest, HostileIdIsRefusedAsInvalidArgument) {
  const auto result = local({"stop", "cri.container", "container_id=../../etc/passwd"});
  EXPECT_EQ(result.exit_code, core::exit_code::invalid_argument) << result;
  EXPECT_NE(result.err.find("container_id"), std::string::npos) << result;
}

TEST(StopctlCriUnreachableTest, UnreachableRuntimeIsUnavailableNamingTheEndpoint) {
  e2e::TempDir dir;
  const std::string endpoint =
      "unix:///tmp/stopd-no-containerd-" + std::to_string(getpid()) + ".sock";
  const json config = {
      {"plugin_dirs", {STOPD_PLUGIN_DIR}},
      {"providers",
       {{"cri.container", {{"settings", {{"endpoint", endpoint}}}, {"max_attempts", 2}}}}}};
  const auto result =
      run_stopctl({"--local", "--config", dir.write("stopd.json", config.dump()), "stop",
                   "cri.container", "container_id=" + unknown_id(), "--deadline", "5"},
                  60s);
  EXPECT_EQ(result.exit_code, core::exit_code::unavailable) << result;
  EXPECT_NE(result.err.find(endpoint), std::string::npos) << result;
}

}  // namespace
}  // namespace stopd::cri_test
