// What a stop answers for each kind of resource, and that a resource reported stopped is gone.
#include "suite.hpp"

namespace stopd::conformance {
namespace {

using sdk::Code;

class Stop : public RuleTest {};

TEST_P(Stop, RunningResourceEndsStoppedAndIsGone) {
  const auto target = fixture().make_running();
  ASSERT_TRUE(running(target, "running resource")) << "the fixture's running resource does not run";
  const auto made = submit(target);
  const auto result = wait(made, 30s + graceful_time() + kSlack, "running → stopped");
  EXPECT_EQ(result.outcome.code, Code::stopped) << describe("running → stopped", made, result);
  EXPECT_FALSE(running(target, "stopped means gone"))
      << describe("stopped means gone", made, result) << ", but the resource still runs";
}

TEST_P(Stop, StubbornResourceIsForcedAtForceAt) {
  STOPD_STUBBORN_OR_SKIP(target);
  constexpr auto kGrace = 1s;
  const auto made = submit(target, graceful(kGrace));
  const auto result = wait(made, kGrace + graceful_time() + kSlack, "forced at force_at");
  const auto took = Clock::now() - made.submitted;
  EXPECT_EQ(result.outcome.code, Code::stopped) << describe("forced at force_at", made, result);
  EXPECT_TRUE(result.outcome.forced)
      << describe("forced at force_at", made, result) << ": the outcome should say forced";
  // Not before the grace ran out (a little clock slack), and soon after it.
  EXPECT_GE(took, kGrace - 50ms) << describe("forced at force_at", made, result)
                                 << ": forced before the grace of 1 s ran out";
  EXPECT_LE(took, kGrace + graceful_time())
      << describe("forced at force_at", made, result) << ": forced long after force_at";
  EXPECT_FALSE(running(target, "stopped means gone"))
      << describe("stopped means gone", made, result) << ", but the resource still runs";
}

TEST_P(Stop, ImmediateModeForcesAtOnce) {
  const auto stubborn = fixture().make_stubborn();
  const auto target = stubborn ? *stubborn : fixture().make_running();
  const auto made = submit(target, immediate());
  const auto result = wait(made, graceful_time() + kSlack, "immediate");
  EXPECT_EQ(result.outcome.code, Code::stopped) << describe("immediate", made, result);
  if (stubborn) {
    EXPECT_TRUE(result.outcome.forced)
        << describe("immediate", made, result)
        << ": the stubborn resource only stops by force, so the outcome should say forced";
  }
  EXPECT_LE(Clock::now() - made.submitted, graceful_time())
      << describe("immediate", made, result) << ": an immediate stop waited";
  EXPECT_FALSE(running(target, "stopped means gone"))
      << describe("stopped means gone", made, result) << ", but the resource still runs";
}

TEST_P(Stop, RepeatedStopIsAlreadyStopped) {
  const auto target = fixture().make_running();
  const auto first = stop(target, {}, "first stop");
  ASSERT_EQ(first.outcome.code, Code::stopped)
      << "[repeat stop] the first stop got " << conformance::describe(first.outcome);
  const auto made = submit(target);
  const auto again = wait(made, graceful_time() + kSlack, "repeat stop");
  EXPECT_EQ(again.outcome.code, Code::already_stopped) << describe("repeat stop", made, again);
}

TEST_P(Stop, StoppedResourceIsAlreadyStopped) {
  const auto made = submit(fixture().make_stopped());
  const auto result = wait(made, graceful_time() + kSlack, "stopped → already_stopped");
  EXPECT_EQ(result.outcome.code, Code::already_stopped)
      << describe("stopped → already_stopped", made, result);
}

TEST_P(Stop, MissingResourceIsNotFound) {
  const auto missing = fixture().make_missing();
  if (!missing)
    GTEST_SKIP() << "the fixture has no missing resource (make_missing() returned nullopt)";
  const auto made = submit(*missing);
  const auto result = wait(made, graceful_time() + kSlack, "missing → not_found");
  EXPECT_EQ(result.outcome.code, Code::not_found) << describe("missing → not_found", made, result);
}

STOPD_CONFORMANCE_RULES(Stop);

}  // namespace
}  // namespace stopd::conformance
