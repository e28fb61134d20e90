// The schedule of a stop in flight: escalation through on_change, cancellation, deadlines, draining
// and the provider shutting down under running stops.
#include <csignal>

#include "process_test_fixture.hpp"

namespace stopd::process::testing {
namespace {

using sdk::Code;

using ScheduleTest = ProcessProviderTest;

bool saw_phase(const RecordingContext& context, const std::string& phase) {
  for (const auto& event : context.progress_events())
    if (event.phase == phase) return true;
  return false;
}

TEST_F(ScheduleTest, EscalationInFlightKillsPromptlyAndDoesNotResendTerm) {
  auto& child = spawn({"--ignore-term"});
  auto context = RecordingContext::with_grace(120s, 120s);
  provider().start(request({{"pid", child.pid()}}), context);
  ASSERT_TRUE(
      stopd::test::wait_until([&] { return saw_phase(*context, "signalled"); }, kOutcomeTimeout));
  ASSERT_TRUE(context->has_change_callback());

  // Changes that do not escalate must not resend anything either.
  context->set_deadline(Clock::now() + 200s);
  context->set_deadline(Clock::now() + 240s);
  EXPECT_FALSE(context->wait_outcome(200ms).has_value());

  const auto escalated = Clock::now();
  context->set_force_at(escalated);
  const auto outcome = context->wait_outcome(kOutcomeTimeout);

  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->code, Code::stopped) << describe(*outcome);
  EXPECT_TRUE(outcome->forced);
  EXPECT_EQ(signal_names(*outcome), (std::vector<std::string>{"SIGTERM", "SIGKILL"}));
  EXPECT_EQ(processes_signalled(*outcome, "SIGTERM"), 1u);
  EXPECT_LT(*context->completed_at() - escalated, 10s);  // not the 120 s grace
  EXPECT_TRUE(killed_by(child.wait_exit(kExitTimeout), SIGKILL));
}

TEST_F(ScheduleTest, EscalationToAnEarlierButFutureForceAtIsHonoured) {
  auto& child = spawn({"--ignore-term"});
  auto context = RecordingContext::with_grace(120s, 120s);
  const auto began = Clock::now();
  provider().start(request({{"pid", child.pid()}}), context);
  ASSERT_TRUE(
      stopd::test::wait_until([&] { return saw_phase(*context, "signalled"); }, kOutcomeTimeout));

  context->set_force_at(began + 1s);
  const auto outcome = context->wait_outcome(kOutcomeTimeout);

  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->code, Code::stopped) << describe(*outcome);
  EXPECT_TRUE(outcome->forced);
  EXPECT_GE(*context->completed_at() - began, 900ms);
  EXPECT_LT(*context->completed_at() - began, 20s);
}

TEST_F(ScheduleTest, CancellationStopsEscalatingAndSaysWhatWasSent) {
  auto& child = spawn({"--ignore-term"});
  auto context = RecordingContext::with_grace(120s, 120s);
  provider().start(request({{"pid", child.pid()}}), context);
  ASSERT_TRUE(
      stopd::test::wait_until([&] { return saw_phase(*context, "signalled"); }, kOutcomeTimeout));

  context->cancel();
  // An escalation right behind the cancellation: cancelled wins, nothing more is sent.
  context->set_force_at(Clock::now());
  const auto outcome = context->wait_outcome(kOutcomeTimeout);

  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->code, Code::cancelled) << describe(*outcome);
  EXPECT_FALSE(outcome->forced);
  EXPECT_EQ(signal_names(*outcome), std::vector<std::string>{"SIGTERM"});
  EXPECT_NE(outcome->message.find("after sending SIGTERM"), std::string::npos) << outcome->message;
  EXPECT_NE(outcome->message.find("still running"), std::string::npos) << outcome->message;
  EXPECT_FALSE(stopd::test::wait_until([&] { return !child.running(); }, 500ms));
  EXPECT_EQ(context->complete_calls(), 1);
}

TEST_F(ScheduleTest, CancelledBeforeStartSendsNothing) {
  auto& child = spawn({"--exit-on-term"});
  auto context = RecordingContext::with_grace(5s);
  context->cancel();

  const auto outcome = run({{"pid", child.pid()}}, context);

  EXPECT_EQ(outcome.code, Code::cancelled) << describe(outcome);
  EXPECT_NE(outcome.message.find("before any signal"), std::string::npos) << outcome.message;
  EXPECT_FALSE(stopd::test::wait_until([&] { return !child.running(); }, 300ms));
}

TEST_F(ScheduleTest, DeadlineBeforeForceIsDeadlineExceededAndNothingIsKilled) {
  auto& child = spawn({"--ignore-term"});
  auto context = std::make_shared<RecordingContext>();
  const auto began = Clock::now();
  context->set_force_at(began + 60s);
  context->set_deadline(began + 1s);

  const auto outcome = run({{"pid", child.pid()}}, context);
  const auto took = Clock::now() - began;

  EXPECT_EQ(outcome.code, Code::deadline_exceeded) << describe(outcome);
  EXPECT_FALSE(outcome.forced);
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 20s);
  EXPECT_NE(outcome.message.find("pid " + std::to_string(child.pid())), std::string::npos)
      << outcome.message;
  EXPECT_NE(outcome.message.find("still running at the deadline"), std::string::npos)
      << outcome.message;
  ASSERT_TRUE(outcome.details.contains("still_running")) << describe(outcome);
  EXPECT_EQ(outcome.details.at("still_running").at(0).at("pid"), child.pid());
  EXPECT_EQ(signal_names(outcome), std::vector<std::string>{"SIGTERM"});
  EXPECT_TRUE(child.running());
}

TEST_F(ScheduleTest, DrainWaitsForTheProcessWithoutForcing) {
  auto& child = spawn({"--term-delay-ms", "500"});
  auto context = RecordingContext::draining(60s);
  const auto began = Clock::now();

  const auto outcome = run({{"pid", child.pid()}}, context);

  EXPECT_EQ(outcome.code, Code::stopped) << describe(outcome);
  EXPECT_FALSE(outcome.forced);
  EXPECT_GE(Clock::now() - began, 490ms);
  EXPECT_TRUE(exited_normally(child.wait_exit(kExitTimeout)));
}

TEST_F(ScheduleTest, DrainThatOutlivesTheDeadlineIsDeadlineExceededWithoutSigkill) {
  auto& child = spawn({"--ignore-term"});
  auto context = RecordingContext::draining(1s);

  const auto outcome = run({{"pid", child.pid()}}, context);

  EXPECT_EQ(outcome.code, Code::deadline_exceeded) << describe(outcome);
  EXPECT_NE(outcome.message.find("drain"), std::string::npos) << outcome.message;
  EXPECT_TRUE(child.running());
}

TEST_F(ScheduleTest, ShuttingDownCompletesOpenStopsCancelled) {
  auto& child = spawn({"--ignore-term"});
  auto context = RecordingContext::with_grace(120s, 120s);
  provider().start(request({{"pid", child.pid()}}), context);
  ASSERT_TRUE(
      stopd::test::wait_until([&] { return saw_phase(*context, "signalled"); }, kOutcomeTimeout));

  destroy_provider();

  const auto outcome = context->outcome();  // the destructor returns only after completing it
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->code, Code::cancelled) << describe(*outcome);
  EXPECT_NE(outcome->message.find("provider shutting down"), std::string::npos) << outcome->message;
  EXPECT_EQ(context->complete_calls(), 1);
  // A change arriving after the provider is gone reaches nothing.
  context->set_force_at(Clock::now());
  EXPECT_EQ(context->complete_calls(), 1);
  EXPECT_TRUE(child.running());
}

TEST_F(ScheduleTest, ChangesAfterCompletionAreHarmless) {
  auto& child = spawn({"--exit-on-term"});
  auto context = RecordingContext::with_grace(20s);
  const auto outcome = run({{"pid", child.pid()}}, context);
  ASSERT_EQ(outcome.code, Code::stopped) << describe(outcome);

  context->set_force_at(Clock::now());
  context->cancel();
  // The next stop on the same provider still works, so the loop survived the late callbacks.
  auto& other = spawn({"--exit-on-term"});
  const auto second = run({{"pid", other.pid()}}, RecordingContext::with_grace(20s));
  EXPECT_EQ(second.code, Code::stopped) << describe(second);
  EXPECT_EQ(context->complete_calls(), 1);
}

}  // namespace
}  // namespace stopd::process::testing
