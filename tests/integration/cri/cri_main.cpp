// main() of the CRI test binaries: gtest plus the one private containerd they share.
#include <gtest/gtest.h>

#include "support/cri_environment.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  stopd::cri_test::register_containerd_environment();
  return RUN_ALL_TESTS();
}
