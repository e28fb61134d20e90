// cri.pod_sandbox's inspect() and list(selector) on a private containerd.
#include <algorithm>

#include "provider_fixture.hpp"

namespace stopd::cri_test {
namespace {

class PodSandboxInspectListTest : public CriTest {
 protected:
  void SetUp() override {
    CriTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    containerd().remove_all_pods();
    provider_ = std::make_unique<cri::PodSandboxProvider>(config_for(containerd().endpoint()));
  }
  std::vector<std::string> ids_of(const json& selector) {
    std::vector<std::string> ids;
    for (const auto& target : provider_->list(selector)) ids.push_back(target["pod_sandbox_id"]);
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  static std::vector<std::string> sorted(std::vector<std::string> ids) {
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  std::unique_ptr<cri::PodSandboxProvider> provider_;
};

TEST_F(PodSandboxInspectListTest, InspectSeesReadyNotReadyAndAbsent) {
  const Pod pod = run_pod(containerd(), "inspect-pod");
  const auto ready = provider_->inspect({{"pod_sandbox_id", pod.id}});
  EXPECT_EQ(ready.state, sdk::Inspection::State::running) << ready.summary;
  EXPECT_EQ(ready.facts["ips"].size(), 1u) << ready.facts.dump();

  auto context = test::RecordingContext::immediate(30s);
  ASSERT_EQ(
      run_stop(*provider_, immediate("cri.pod_sandbox", {{"pod_sandbox_id", pod.id}}), context)
          .outcome.code,
      sdk::Code::stopped);
  EXPECT_EQ(provider_->inspect({{"pod_sandbox_id", pod.id}}).state,
            sdk::Inspection::State::stopped);
  EXPECT_EQ(provider_->inspect({{"pod_sandbox_id", unknown_id()}}).state,
            sdk::Inspection::State::absent);
}

TEST_F(PodSandboxInspectListTest, ListSelectsByLabelNameNamespaceAndState) {
  const Pod web = run_pod(containerd(), "web", {{"tier", "front"}}, "retail");
  const Pod api = run_pod(containerd(), "api", {{"tier", "front"}}, "backoffice");
  const Pod db = run_pod(containerd(), "db", {{"tier", "data"}}, "retail");

  EXPECT_EQ(ids_of({{"labels", {{"tier", "front"}}}}), sorted({web.id, api.id}));
  EXPECT_EQ(ids_of({{"namespace", "retail"}}), sorted({web.id, db.id}));
  EXPECT_EQ(ids_of({{"pod_name", api.config.metadata().name()}}), sorted({api.id}));

  auto context = test::RecordingContext::immediate(30s);
  ASSERT_EQ(run_stop(*provider_, immediate("cri.pod_sandbox", {{"pod_sandbox_id", db.id}}), context)
                .outcome.code,
            sdk::Code::stopped);
  EXPECT_EQ(ids_of({{"namespace", "retail"}}), sorted({web.id}));
  EXPECT_EQ(ids_of({{"namespace", "retail"}, {"state", "notready"}}), sorted({db.id}));
  EXPECT_EQ(ids_of({{"namespace", "retail"}, {"state", "any"}}), sorted({web.id, db.id}));
}

}  // namespace
}  // namespace stopd::cri_test
