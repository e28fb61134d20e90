// The README's heterogeneous plan (examples/plans/checkout-maintenance.yaml), run as written by
// the real stopctl: CRI containers selected by label and pod sandboxes by namespace on a private
// containerd, local processes selected by name, and the three Huawei Cloud types against the
// emulator. Also: a dry run changes nothing on any of them.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>

#include "emulator_process.hpp"
#include "provider_fixture.hpp"
#include "stopctl_runner.hpp"
#include "stopd/test/isolation_mode.hpp"

namespace stopd::cri_test {
namespace {

using e2e::run_stopctl;

const std::filesystem::path kPlan =
    std::filesystem::path(STOPD_SOURCE_DIR) / "examples/plans/checkout-maintenance.yaml";
// The off-hours schedule's plan (examples/config/off-hours.json): what opted in, by label.
const std::filesystem::path kOffHoursPlan =
    std::filesystem::path(STOPD_SOURCE_DIR) / "examples/plans/off-hours.yaml";
const std::filesystem::path kFixture =
    std::filesystem::path(STOPD_SOURCE_DIR) / "plugins/huaweicloud/emulator/fixtures/demo.json";

// Processes whose comm is `name` (a copy of sleep under that name), reaped on destruction.
class NamedSleepers {
 public:
  NamedSleepers(const e2e::TempDir& dir, const std::string& name, int count) {
    const auto binary = dir.path() / name;
    std::filesystem::copy_file("/bin/sleep", binary);
    std::filesystem::permissions(binary, std::filesystem::perms::owner_all);
    for (int i = 0; i < count; ++i) {
      const pid_t pid = fork();
      if (pid == 0) {
        execl(binary.c_str(), name.c_str(), "600", nullptr);
        _exit(127);
      }
      pids_.push_back(pid);
    }
    // exec has happened once /proc/PID/comm says so.
    for (const pid_t pid : pids_)
      for (int tries = 0; tries < 500 && comm(pid) != name; ++tries) usleep(10'000);
  }
  ~NamedSleepers() {
    for (const pid_t pid : pids_) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
  // How many have not exited (a zombie has exited: waitpid with WNOHANG reaps it).
  int running() {
    int alive = 0;
    for (const pid_t pid : pids_) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == 0) ++alive;
    }
    return alive;
  }

 private:
  static std::string comm(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
    std::string name;
    std::getline(in, name);
    return name;
  }
  std::vector<pid_t> pids_;
};

class CheckoutPlanTest : public CriTest {
 protected:
  void SetUp() override {
    CriTest::SetUp();
    if (IsSkipped()) return;
    containerd().remove_all_pods();
    emulator_ = std::make_unique<hwtest::EmulatorProcess>(kFixture);
    const json cri = {{"settings", {{"endpoint", containerd().endpoint()}}}};
    const json cloud = {{"settings",
                         {{"endpoint", emulator_->url()},
                          {"auth", {{"token", {{"env", "STOPD_CRI_BATCH_TEST_TOKEN"}}}}},
                          {"poll_interval_ms", 50}}}};
    ::setenv("STOPD_CRI_BATCH_TEST_TOKEN", "demo-token-project-a", 1);
    config_ = dir_.write("stopd.json", test::with_test_isolation(
                                           json{{"plugin_dirs", {STOPD_PLUGIN_DIR}},
                                                {"providers",
                                                 {{"cri.container", cri},
                                                  {"cri.pod_sandbox", cri},
                                                  {"huaweicloud.cdm.cluster", cloud},
                                                  {"huaweicloud.dlf.script_instance", cloud},
                                                  {"huaweicloud.fgs.workflow_execution", cloud}}}})
                                           .dump());
  }

  e2e::StopctlResult batch(std::vector<std::string> args,
                           const std::filesystem::path& plan = kPlan) {
    args.insert(args.begin(), {"--local", "--config", config_, "batch", plan.string()});
    return run_stopctl(std::move(args), 150s);
  }

  // Status of every cloud resource in the emulator, by id.
  std::map<std::string, json> cloud_statuses() const {
    std::map<std::string, json> statuses;
    const json state = emulator_->state();
    for (const auto& cluster : state["clusters"])
      statuses[cluster["cluster_id"].get<std::string>()] = cluster["status"];
    for (const auto& instance : state["script_instances"])
      statuses[instance["instance_id"].get<std::string>()] = instance["status"];
    for (const auto& execution : state["executions"])
      statuses[execution["execution_urn"].get<std::string>()] = execution["status"];
    return statuses;
  }

  bool running(const std::string& container) {
    return container_status(containerd(), container).state() == v1::CONTAINER_RUNNING;
  }

  e2e::TempDir dir_;
  std::unique_ptr<hwtest::EmulatorProcess> emulator_;
  std::string config_;
};

TEST_F(CheckoutPlanTest, TheExamplePlanStopsEveryKindOfTargetInItsWaves) {
  const Pod checkout = run_pod(containerd(), "checkout", {}, "checkout");
  const Pod elsewhere = run_pod(containerd(), "catalog", {}, "catalog");
  const std::string web1 =
      start_container(containerd(), checkout, "web1", ignores_sigterm(), {{"app", "checkout-web"}});
  const std::string web2 = start_container(containerd(), elsewhere, "web2", exits_on_sigterm(),
                                           {{"app", "checkout-web"}});
  const std::string catalog =
      start_container(containerd(), elsewhere, "catalog", exits_on_sigterm(), {{"app", "catalog"}});
  NamedSleepers workers(dir_, "checkout-worker", 3);
  ASSERT_EQ(workers.running(), 3);

  const std::string report = (dir_.path() / "report.jsonl").string();
  const auto result = batch({"--report", report, "-o", "json"});
  ASSERT_EQ(result.exit_code, 0) << result;

  // Every item succeeded, and each wave began only after the one before it ended.
  std::map<std::string, std::string> wave_of = {
      {"web", "traffic"},         {"workers", "jobs"},  {"report-script", "jobs"},
      {"video-workflow", "jobs"}, {"pods", "platform"}, {"migration-cluster", "platform"}};
  std::map<std::string, std::pair<std::string, std::string>> wave_span;  // first start, last end
  std::map<std::string, int> items_of;
  std::ifstream lines(report);
  json summary;
  for (std::string line; std::getline(lines, line);) {
    const json record = json::parse(line);
    if (record.contains("summary")) {
      summary = record["summary"];
      continue;
    }
    EXPECT_TRUE(record["code"] == "stopped" || record["code"] == "already_stopped") << line;
    const std::string step = record["step"].get<std::string>();
    ++items_of[step];
    auto& span = wave_span[wave_of.at(step)];
    const std::string started = record["started"].get<std::string>();
    const std::string finished = record["finished"].get<std::string>();
    if (span.first.empty() || started < span.first) span.first = started;
    if (finished > span.second) span.second = finished;
  }
  EXPECT_EQ(items_of["web"], 2) << "the label selector should match web1 and web2 only";
  EXPECT_EQ(items_of["workers"], 3);
  EXPECT_EQ(items_of["pods"], 1) << "namespace checkout has one pod";
  EXPECT_EQ(summary.value("succeeded", 0), 2 + 3 + 1 + 1 + 1 + 1) << summary.dump();
  EXPECT_LE(wave_span["traffic"].second, wave_span["jobs"].first);
  EXPECT_LE(wave_span["jobs"].second, wave_span["platform"].first);

  EXPECT_FALSE(running(web1));
  EXPECT_FALSE(running(web2));
  EXPECT_TRUE(running(catalog)) << "a container the plan did not select was stopped";
  EXPECT_EQ(sandbox_status(containerd(), checkout.id).state(), v1::SANDBOX_NOTREADY);
  EXPECT_EQ(sandbox_status(containerd(), elsewhere.id).state(), v1::SANDBOX_READY);
  EXPECT_EQ(workers.running(), 0);
  const auto cloud = cloud_statuses();
  EXPECT_EQ(cloud.at("bae65496-643e-47ca-84af-948672de7eeb"), 900);
  EXPECT_NE(cloud.at("a1ad-448a-9d56-4154193d49c5"), "RUNNING");
  EXPECT_NE(cloud.at("urn:fgs:cn-north-4:0a1b2c3d4e5f40718293a4b5c6d7e8f9:execution:video-"
                     "analysis:analysis-execution1:4d64afb839ad4eec9fed1be7d6a361be"),
            "RUNNING");
  // The token came from the environment and went nowhere else.
  EXPECT_EQ(result.out.find("demo-token-project-a"), std::string::npos);
  EXPECT_EQ(result.err.find("demo-token-project-a"), std::string::npos);
}

TEST_F(CheckoutPlanTest, ItsDryRunExpandsTheSelectorsAndChangesNothing) {
  const Pod checkout = run_pod(containerd(), "checkout", {}, "checkout");
  const std::string web =
      start_container(containerd(), checkout, "web", ignores_sigterm(), {{"app", "checkout-web"}});
  NamedSleepers workers(dir_, "checkout-worker", 2);
  const auto before = cloud_statuses();

  const auto result = batch({"--dry-run", "-o", "json"});
  ASSERT_EQ(result.exit_code, 0) << result;
  const json out = result.json();
  EXPECT_TRUE(out["summary"].value("dry_run", false)) << result;
  EXPECT_EQ(out["summary"].value("total", 0), 1 + 2 + 1 + 1 + 1 + 1) << result;
  EXPECT_TRUE(running(web));
  EXPECT_EQ(sandbox_status(containerd(), checkout.id).state(), v1::SANDBOX_READY);
  EXPECT_EQ(workers.running(), 2);
  EXPECT_EQ(cloud_statuses(), before);
  EXPECT_TRUE(emulator_->requests_with("POST").empty()) << emulator_->requests().dump();
}

// The schedule's plan, run as written (a scheduled run is the same batch; the calendar is
// tests/unit/jobs/scheduler_test.cpp's): containers and pods that carry the opt-in label are
// stopped, and nothing else of their kind.
TEST_F(CheckoutPlanTest, TheOffHoursExampleStopsWhatOptedInAndNothingElse) {
  const Labels off_hours = {{"stopd.io/off-hours", "true"}};
  const Pod dev = run_pod(containerd(), "dev", off_hours);
  const Pod prod = run_pod(containerd(), "prod");
  const std::string dev_app = start_container(containerd(), dev, "app", exits_on_sigterm());
  const std::string dev_batch =
      start_container(containerd(), prod, "batch", exits_on_sigterm(), off_hours);
  const std::string prod_app = start_container(containerd(), prod, "app", exits_on_sigterm());
  NamedSleepers workers(dir_, "dev-worker", 2);
  NamedSleepers others(dir_, "prod-worker", 1);

  const auto result = batch({"-o", "json"}, kOffHoursPlan);
  ASSERT_EQ(result.exit_code, 0) << result;
  const json out = result.json();
  // The labelled container, the labelled pod (and with it its container), two workers, three
  // cloud resources.
  EXPECT_EQ(out["summary"].value("succeeded", 0), 1 + 2 + 1 + 3) << result;
  EXPECT_EQ(out["summary"].value("failed", 0), 0) << result;

  EXPECT_FALSE(running(dev_batch)) << "a container with the label";
  EXPECT_TRUE(running(prod_app)) << "a container without it, in a pod without it";
  EXPECT_EQ(sandbox_status(containerd(), dev.id).state(), v1::SANDBOX_NOTREADY);
  EXPECT_FALSE(running(dev_app)) << "its pod stopped";
  EXPECT_EQ(sandbox_status(containerd(), prod.id).state(), v1::SANDBOX_READY);
  EXPECT_EQ(workers.running(), 0);
  EXPECT_EQ(others.running(), 1);
  const auto cloud = cloud_statuses();
  EXPECT_EQ(cloud.at("c2d7e1aa-0000-4000-8000-000000000002"), 900);
  EXPECT_EQ(cloud.at("bae65496-643e-47ca-84af-948672de7eeb"), 200) << "not in the plan";
  EXPECT_NE(cloud.at("a1ad-448a-9d56-4154193d49c5"), "RUNNING");
}

}  // namespace
}  // namespace stopd::cri_test
