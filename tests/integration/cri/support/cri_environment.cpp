#include "cri_environment.hpp"

#include <gtest/gtest.h>

#include <iostream>
#include <memory>

namespace stopd::cri_test {
namespace {

std::unique_ptr<PrivateContainerd> containerd;
std::string problem = "the environment was not set up";

class ContainerdEnvironment final : public ::testing::Environment {
 public:
  void SetUp() override {
    problem = PrivateContainerd::missing_requirements(test_image_path());
    if (!problem.empty()) return;
    try {
      containerd = std::make_unique<PrivateContainerd>(test_image_path());
    } catch (const std::exception& error) {
      problem = error.what();
      std::cerr << "cannot start a private containerd: " << problem << "\n";
    }
  }

  void TearDown() override {
    if (!containerd) return;
    containerd->teardown();
    for (const auto& left : containerd->leftovers())
      ADD_FAILURE() << "containerd teardown left behind: " << left;
    containerd.reset();
  }
};

}  // namespace

PrivateContainerd* shared_containerd() {
  return containerd.get();
}
const std::string& containerd_problem() {
  return problem;
}
const char* test_image_path() {
  return STOPD_CRI_TEST_IMAGE;
}

void register_containerd_environment() {
  ::testing::AddGlobalTestEnvironment(new ContainerdEnvironment);
}

}  // namespace stopd::cri_test
