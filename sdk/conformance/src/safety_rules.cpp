// A dry run changes nothing. (That only StopError escapes and that complete() is called once are
// checked on every stop of every rule: see RuleTest::wait and RuleTest::TearDown.)
#include "suite.hpp"

namespace stopd::conformance {
namespace {

using sdk::Code;

class Safety : public RuleTest {};

TEST_P(Safety, DryRunChangesNothing) {
  const auto target = fixture().make_running();
  const auto made = submit(target, dry_run());
  const auto result = wait(made, graceful_time() + kSlack, "dry run");
  EXPECT_TRUE(result.dry_run) << describe("dry run", made, result);
  if (info().capabilities.inspect) {
    EXPECT_EQ(result.outcome.code, Code::stopped)
        << describe("dry run", made, result) << ": a dry run of a running resource answers what "
        << "a stop would (stopped)";
  }
  EXPECT_TRUE(running(target, "dry run"))
      << describe("dry run", made, result) << ", and the resource no longer runs";
  const auto stopped = submit(fixture().make_stopped(), dry_run());
  const auto already = wait(stopped, graceful_time() + kSlack, "dry run");
  if (info().capabilities.inspect) {
    EXPECT_EQ(already.outcome.code, Code::already_stopped) << describe("dry run", stopped, already);
  }
}

STOPD_CONFORMANCE_RULES(Safety);

}  // namespace
}  // namespace stopd::conformance
