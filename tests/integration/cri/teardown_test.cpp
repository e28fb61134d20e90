// The harness itself: a containerd that ran a pod with a container leaves nothing behind.
#include "provider_fixture.hpp"

namespace stopd::cri_test {
namespace {

TEST(CriHarnessTest, TeardownLeavesNoProcessMountBridgeCgroupOrCniState) {
  STOPD_REQUIRE_OR_SKIP(PrivateContainerd::missing_requirements(test_image_path()).empty(),
                        PrivateContainerd::missing_requirements(test_image_path()));
  PrivateContainerd containerd(test_image_path());
  const Pod pod = run_pod(containerd, "teardown");
  start_container(containerd, pod, "stubborn", ignores_sigterm());
  // Something for each sweep to find: a bridge, a netns mount, a shim, cgroups, a CNI result.
  ASSERT_FALSE(containerd.leftovers().empty()) << "leftovers() sees nothing of a running pod";
  containerd.teardown();
  const auto left = containerd.leftovers();
  EXPECT_TRUE(left.empty()) << "left behind: " << ::testing::PrintToString(left);
}

}  // namespace
}  // namespace stopd::cri_test
