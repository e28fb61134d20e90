// One private containerd per test binary, started before the first test and torn down after the
// last (a gtest Environment). Tests that need it begin with STOPD_REQUIRE_CONTAINERD(): on a
// machine that cannot run one they skip, under CI=true they fail with the reason.
#pragma once

#include <string>

#include "private_containerd.hpp"
#include "stopd/test/requirement.hpp"

namespace stopd::cri_test {

// The environment's containerd, or null when it could not be started (see containerd_problem()).
PrivateContainerd* shared_containerd();
// Why there is no containerd: missing requirements or the startup error.
const std::string& containerd_problem();

// The image tarball built with the tests (STOPD_CRI_TEST_IMAGE).
const char* test_image_path();

// Registers the environment; call once from main() (see cri_main.cpp).
void register_containerd_environment();

}  // namespace stopd::cri_test

#define STOPD_REQUIRE_CONTAINERD()                                         \
  STOPD_REQUIRE_OR_SKIP(::stopd::cri_test::shared_containerd() != nullptr, \
                        "a private containerd: " + ::stopd::cri_test::containerd_problem())
