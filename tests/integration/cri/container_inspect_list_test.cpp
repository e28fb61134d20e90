// cri.container's inspect() and list(selector) on a private containerd.
#include <algorithm>

#include "provider_fixture.hpp"

namespace stopd::cri_test {
namespace {

class ContainerInspectListTest : public CriTest {
 protected:
  void SetUp() override {
    CriTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    containerd().remove_all_pods();  // list() sees the whole runtime
    provider_ = std::make_unique<cri::ContainerProvider>(config_for(containerd().endpoint()));
  }
  std::vector<std::string> ids_of(const json& selector) {
    std::vector<std::string> ids;
    for (const auto& target : provider_->list(selector)) ids.push_back(target["container_id"]);
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  static std::vector<std::string> sorted(std::vector<std::string> ids) {
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  std::unique_ptr<cri::ContainerProvider> provider_;
};

TEST_F(ContainerInspectListTest, InspectSeesRunningStoppedAndAbsent) {
  const Pod pod = run_pod(containerd(), "inspect");
  const std::string id = start_container(containerd(), pod, "main", ignores_sigterm());
  const auto running = provider_->inspect({{"container_id", id}});
  EXPECT_EQ(running.state, sdk::Inspection::State::running) << running.summary;
  EXPECT_EQ(running.facts["name"], "main");

  auto context = test::RecordingContext::immediate(30s);
  ASSERT_EQ(run_stop(*provider_, immediate("cri.container", {{"container_id", id}}), context)
                .outcome.code,
            sdk::Code::stopped);
  EXPECT_EQ(provider_->inspect({{"container_id", id}}).state, sdk::Inspection::State::stopped);
  EXPECT_EQ(provider_->inspect({{"container_id", unknown_id()}}).state,
            sdk::Inspection::State::absent);
}

TEST_F(ContainerInspectListTest, ListSelectsByLabelPodNamespaceNameAndState) {
  const Pod shop = run_pod(containerd(), "shop", {}, "retail");
  const Pod other = run_pod(containerd(), "other", {}, "backoffice");
  const std::string web1 =
      start_container(containerd(), shop, "web1", ignores_sigterm(), {{"app", "web"}});
  const std::string web2 =
      start_container(containerd(), other, "web2", ignores_sigterm(), {{"app", "web"}});
  const std::string db =
      start_container(containerd(), shop, "db", ignores_sigterm(), {{"app", "db"}});

  EXPECT_EQ(ids_of({{"labels", {{"app", "web"}}}}), sorted({web1, web2}));
  EXPECT_EQ(ids_of({{"labels", {{"app", "db"}}}}), sorted({db}));
  EXPECT_EQ(ids_of({{"namespace", "retail"}}), sorted({web1, db}));
  EXPECT_EQ(ids_of({{"pod_name", shop.config.metadata().name()}, {"labels", {{"app", "web"}}}}),
            sorted({web1}));
  EXPECT_EQ(ids_of({{"name", "db"}}), sorted({db}));
  EXPECT_TRUE(ids_of({{"labels", {{"app", "nothing"}}}}).empty());

  auto context = test::RecordingContext::immediate(30s);
  ASSERT_EQ(run_stop(*provider_, immediate("cri.container", {{"container_id", web2}}), context)
                .outcome.code,
            sdk::Code::stopped);
  // Running is the default state; exited ones are listed only when asked for.
  EXPECT_EQ(ids_of({{"labels", {{"app", "web"}}}}), sorted({web1}));
  EXPECT_EQ(ids_of({{"labels", {{"app", "web"}}}, {"state", "exited"}}), sorted({web2}));
  EXPECT_EQ(ids_of({{"labels", {{"app", "web"}}}, {"state", "any"}}), sorted({web1, web2}));
}

}  // namespace
}  // namespace stopd::cri_test
