// Many stops at once: of distinct resources, and of one resource asked for many times.
#include <vector>

#include "suite.hpp"

namespace stopd::conformance {
namespace {

using sdk::Code;

class Concurrency : public RuleTest {};

constexpr int kStopsAtOnce = 8;

TEST_P(Concurrency, DistinctResourcesStopAtOnce) {
  std::vector<nlohmann::json> targets;
  for (int i = 0; i < kStopsAtOnce; ++i) targets.push_back(fixture().make_running());
  std::vector<conformance::Stop> made;
  for (const auto& target : targets) made.push_back(submit(target));
  for (std::size_t i = 0; i < made.size(); ++i) {
    const auto result = wait(made[i], 30s + graceful_time() + kSlack, "distinct resources at once");
    EXPECT_EQ(result.outcome.code, Code::stopped)
        << describe("distinct resources at once", made[i], result);
    EXPECT_FALSE(running(targets[i], "distinct resources at once"))
        << describe("distinct resources at once", made[i], result)
        << ", but the resource still runs";
  }
}

TEST_P(Concurrency, OneResourceAskedManyTimesStopsOnce) {
  const auto target = fixture().make_running();
  std::vector<conformance::Stop> made;
  for (int i = 0; i < kStopsAtOnce; ++i) made.push_back(submit(target));
  int stopped = 0;
  for (const auto& one : made) {
    const auto result = wait(one, 30s + graceful_time() + kSlack, "one resource, many stops");
    EXPECT_TRUE(result.outcome.code == Code::stopped ||
                result.outcome.code == Code::already_stopped)
        << describe("one resource, many stops", one, result);
    if (result.outcome.code == Code::stopped) ++stopped;
  }
  EXPECT_GE(stopped, 1) << "[one resource, many stops] " << kStopsAtOnce
                        << " stops of one running resource, and none answered stopped";
  EXPECT_FALSE(running(target, "one resource, many stops"))
      << "[one resource, many stops] the resource still runs";
}

STOPD_CONFORMANCE_RULES(Concurrency);

}  // namespace
}  // namespace stopd::conformance
