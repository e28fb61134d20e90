#include "backoff.hpp"

#include <gtest/gtest.h>

namespace stopd::test {
namespace {

using core::backoff_delay;
using std::chrono::milliseconds;

TEST(Backoff, DoublesFromTheInitialDelayAndStaysWithinHalfToFullStep) {
  EXPECT_EQ(backoff_delay(1, milliseconds(200), milliseconds(10000), 0.0), milliseconds(100));
  EXPECT_EQ(backoff_delay(1, milliseconds(200), milliseconds(10000), 0.999), milliseconds(199));
  EXPECT_EQ(backoff_delay(2, milliseconds(200), milliseconds(10000), 0.0), milliseconds(200));
  EXPECT_EQ(backoff_delay(4, milliseconds(200), milliseconds(10000), 0.0), milliseconds(800));
}

TEST(Backoff, IsCappedEvenAfterManyAttempts) {
  EXPECT_EQ(backoff_delay(8, milliseconds(200), milliseconds(1000), 0.0), milliseconds(500));
  EXPECT_LE(backoff_delay(1000, milliseconds(200), milliseconds(1000), 0.999), milliseconds(1000));
}

TEST(Backoff, JitterSpreadsRetries) {
  std::set<long long> seen;
  for (int i = 0; i < 50; ++i)
    seen.insert(
        backoff_delay(3, milliseconds(200), milliseconds(10000), core::random_fraction()).count());
  EXPECT_GT(seen.size(), 10u);
  for (auto delay : seen) {
    EXPECT_GE(delay, 400);
    EXPECT_LT(delay, 800);
  }
}

}  // namespace
}  // namespace stopd::test
