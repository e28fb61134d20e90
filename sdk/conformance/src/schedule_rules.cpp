// The host's schedule reaches the provider: a deadline holds while the resource hangs,
// cancellation ends the provider's work, and an escalation arrives through on_change.
#include "suite.hpp"

namespace stopd::conformance {
namespace {

using sdk::Code;

class Schedule : public RuleTest {};

// How long a provider may take to return once its stop is over (deadline, cancellation).
constexpr auto kReturnBound = 10s;

TEST_P(Schedule, DeadlineHoldsWhileTheResourceHangs) {
  STOPD_STUBBORN_OR_SKIP(target);
  constexpr auto kDeadline = 1500ms;
  const auto made = submit(target, graceful(120s, kDeadline));
  const auto result = wait(made, kDeadline + kSlack, "deadline holds");
  EXPECT_EQ(result.outcome.code, Code::deadline_exceeded)
      << describe("deadline holds", made, result);
  EXPECT_TRUE(providers_returned(kReturnBound))
      << describe("deadline holds", made, result) << ", and the provider was still working "
      << std::chrono::duration_cast<std::chrono::seconds>(kReturnBound).count()
      << " s later: it ignores StopContext::deadline()";
}

TEST_P(Schedule, CancellationIsHonoured) {
  STOPD_STUBBORN_OR_SKIP(target);
  const auto made = submit(target, graceful(120s));
  // Let the provider reach its graceful wait before the caller withdraws.
  EXPECT_FALSE(made.ticket->wait_for(300ms)) << "[cancellation] the stubborn resource's stop "
                                                "ended before it was cancelled";
  made.ticket->cancel();
  const auto result = wait(made, kSlack, "cancellation");
  EXPECT_EQ(result.outcome.code, Code::cancelled) << describe("cancellation", made, result);
  EXPECT_TRUE(providers_returned(kReturnBound))
      << describe("cancellation", made, result) << ", and the provider was still working "
      << std::chrono::duration_cast<std::chrono::seconds>(kReturnBound).count()
      << " s later: it ignores StopContext::cancelled()";
}

TEST_P(Schedule, EscalationArrivesThroughOnChange) {
  STOPD_STUBBORN_OR_SKIP(target);
  const auto slow = submit(target, graceful(120s));
  EXPECT_FALSE(slow.ticket->wait_for(300ms))
      << "[escalation] the stubborn resource's stop ended before it was escalated";
  const auto urgent = submit(target, immediate());
  const auto escalated = wait(slow, graceful_time() + kSlack, "escalation");
  EXPECT_EQ(escalated.outcome.code, Code::stopped)
      << describe("escalation", slow, escalated)
      << ": an immediate stop of the same resource should force it now (on_change)";
  EXPECT_TRUE(escalated.outcome.forced) << describe("escalation", slow, escalated);
  const auto joined = wait(urgent, graceful_time() + kSlack, "escalation");
  EXPECT_TRUE(joined.succeeded()) << describe("escalation", urgent, joined);
  EXPECT_FALSE(running(target, "stopped means gone")) << "[escalation] the resource still runs";
}

STOPD_CONFORMANCE_RULES(Schedule);

}  // namespace
}  // namespace stopd::conformance
