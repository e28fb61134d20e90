// Stopping one process by pid: the graceful path, the forced path, immediate, and the ways a pid
// can fail to name the process the caller meant.
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include "process_test_fixture.hpp"

namespace stopd::process::testing {
namespace {

using sdk::Code;

using PidStopTest = ProcessProviderTest;

TEST_F(PidStopTest, ProcessThatExitsOnTermIsStoppedWithTermOnly) {
  auto& child = spawn({"--exit-on-term"});
  auto context = RecordingContext::with_grace(20s);
  const auto began = Clock::now();

  const auto outcome = run({{"pid", child.pid()}}, context);

  EXPECT_EQ(outcome.code, Code::stopped) << describe(outcome);
  EXPECT_FALSE(outcome.forced);
  EXPECT_EQ(signal_names(outcome), std::vector<std::string>{"SIGTERM"});
  EXPECT_NE(outcome.message.find("pid " + std::to_string(child.pid()) +
                                 " (stopd_test_chil) exited after SIGTERM"),
            std::string::npos)
      << outcome.message;
  // It did not wait for the grace.
  EXPECT_LT(Clock::now() - began, 15s);
  EXPECT_EQ(outcome.details.at("kind"), "pid");
  EXPECT_EQ(outcome.details.at("processes").at(0).at("pid"), child.pid());
  EXPECT_EQ(outcome.details.at("processes").at(0).at("comm"), "stopd_test_chil");
  EXPECT_EQ(outcome.details.at("forced"), false);
  EXPECT_TRUE(outcome.details.at("duration_ms").is_number_integer());
  EXPECT_TRUE(exited_normally(child.wait_exit(kExitTimeout)));
  EXPECT_EQ(context->complete_calls(), 1);
  const auto progress = context->progress_events();
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.front().phase, "signalled");
  EXPECT_EQ(progress.front().facts.at("signal"), "SIGTERM");
}

TEST_F(PidStopTest, ProcessThatIgnoresTermIsKilledAfterTheGrace) {
  auto& child = spawn({"--ignore-term"});
  auto context = RecordingContext::with_grace(1s);
  const auto began = Clock::now();

  const auto outcome = run({{"pid", child.pid()}}, context);
  const auto took = Clock::now() - began;

  EXPECT_EQ(outcome.code, Code::stopped) << describe(outcome);
  EXPECT_TRUE(outcome.forced);
  EXPECT_EQ(signal_names(outcome), (std::vector<std::string>{"SIGTERM", "SIGKILL"}));
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 10s);
  EXPECT_GE(outcome.details.at("signals").at(1).at("after_ms").get<long>(), 900);
  EXPECT_NE(outcome.message.find("did not exit within the 1 s grace; killed with SIGKILL"),
            std::string::npos)
      << outcome.message;
  EXPECT_TRUE(killed_by(child.wait_exit(kExitTimeout), SIGKILL));
  bool saw_forced = false;
  for (const auto& event : context->progress_events()) saw_forced |= event.phase == "forced";
  EXPECT_TRUE(saw_forced);
}

TEST_F(PidStopTest, ImmediateSendsSigkillAndNeverTheStopSignal) {
  // It would exit cleanly on SIGTERM: a SIGKILL death proves SIGTERM never reached it.
  auto& child = spawn({"--exit-on-term"});
  auto context = RecordingContext::immediate();

  const auto outcome = run({{"pid", child.pid()}}, context, sdk::Mode::immediate);

  EXPECT_EQ(outcome.code, Code::stopped) << describe(outcome);
  EXPECT_TRUE(outcome.forced);
  EXPECT_EQ(signal_names(outcome), std::vector<std::string>{"SIGKILL"});
  EXPECT_NE(outcome.message.find("killed with SIGKILL"), std::string::npos) << outcome.message;
  EXPECT_TRUE(killed_by(child.wait_exit(kExitTimeout), SIGKILL));
}

TEST_F(PidStopTest, ForceAlreadyDueOnAGracefulRequestAlsoSendsOnlySigkill) {
  auto& child = spawn({"--exit-on-term"});
  auto context = RecordingContext::with_grace(0ms);

  const auto outcome = run({{"pid", child.pid()}}, context, sdk::Mode::graceful);

  EXPECT_EQ(outcome.code, Code::stopped) << describe(outcome);
  EXPECT_EQ(signal_names(outcome), std::vector<std::string>{"SIGKILL"});
  EXPECT_TRUE(killed_by(child.wait_exit(kExitTimeout), SIGKILL));
}

TEST_F(PidStopTest, ProcessThatNoLongerExistsIsAlreadyStopped) {
  auto& child = spawn({});
  const pid_t pid = child.pid();
  child.kill_all();
  ASSERT_TRUE(child.wait_exit(kExitTimeout).has_value());  // reaped: the pid is free

  const auto outcome = run({{"pid", pid}}, RecordingContext::with_grace(5s));

  EXPECT_EQ(outcome.code, Code::already_stopped) << describe(outcome);
  EXPECT_NE(outcome.message.find("does not exist"), std::string::npos) << outcome.message;
  EXPECT_TRUE(signal_names(outcome).empty());
}

TEST_F(PidStopTest, ZombieIsAlreadyStopped) {
  auto& child = spawn({});
  child.kill_all();
  // Exited but not reaped: a zombie no longer runs.
  ASSERT_TRUE(stopd::test::wait_until([&] { return !child.running(); }, kExitTimeout));

  const auto outcome = run({{"pid", child.pid()}}, RecordingContext::with_grace(5s));

  EXPECT_EQ(outcome.code, Code::already_stopped) << describe(outcome);
  EXPECT_NE(outcome.message.find("already exited"), std::string::npos) << outcome.message;
}

TEST_F(PidStopTest, StaleStartTimeIsRefusedAndTheOtherProcessIsNotSignalled) {
  auto& child = spawn({"--exit-on-term"});
  const auto start_time = stopd::test::start_time_of(child.pid());
  ASSERT_TRUE(start_time.has_value());
  const std::uint64_t expected = *start_time + 1;

  const auto outcome =
      run({{"pid", child.pid()}, {"start_time", expected}}, RecordingContext::with_grace(5s));

  EXPECT_EQ(outcome.code, Code::failed_precondition) << describe(outcome);
  EXPECT_NE(outcome.message.find("pid " + std::to_string(child.pid()) +
                                 " now belongs to a different process"),
            std::string::npos)
      << outcome.message;
  EXPECT_NE(outcome.message.find("start_time " + std::to_string(*start_time)), std::string::npos)
      << outcome.message;
  EXPECT_NE(outcome.message.find("expected " + std::to_string(expected)), std::string::npos)
      << outcome.message;
  EXPECT_NE(outcome.message.find("nothing was signalled"), std::string::npos) << outcome.message;
  // It exits on SIGTERM, so had anything been sent it would be gone by now (or shortly).
  EXPECT_FALSE(stopd::test::wait_until([&] { return !child.running(); }, 300ms));
}

TEST_F(PidStopTest, MatchingStartTimeStops) {
  auto& child = spawn({"--exit-on-term"});
  const auto start_time = stopd::test::start_time_of(child.pid());
  ASSERT_TRUE(start_time.has_value());

  const auto outcome =
      run({{"pid", child.pid()}, {"start_time", *start_time}}, RecordingContext::with_grace(20s));

  EXPECT_EQ(outcome.code, Code::stopped) << describe(outcome);
  EXPECT_EQ(outcome.details.at("start_time"), *start_time);
  EXPECT_TRUE(exited_normally(child.wait_exit(kExitTimeout)));
}

TEST_F(PidStopTest, SignalOptionReplacesTheStopSignal) {
  // The child handles SIGTERM only: SIGINT's default action kills it, which shows SIGINT was sent.
  auto& child = spawn({"--exit-on-term"});

  const auto outcome = run({{"pid", child.pid()}}, RecordingContext::with_grace(20s),
                           sdk::Mode::graceful, {{"signal", "INT"}});

  EXPECT_EQ(outcome.code, Code::stopped) << describe(outcome);
  EXPECT_EQ(signal_names(outcome), std::vector<std::string>{"SIGINT"});
  EXPECT_TRUE(killed_by(child.wait_exit(kExitTimeout), SIGINT));
}

TEST_F(PidStopTest, ConfiguredStopSignalIsTheDefault) {
  provider({{"stop_signal", "SIGUSR1"}});
  EXPECT_EQ(provider().stop_signal(), SIGUSR1);
  auto& child = spawn({"--exit-on-term"});

  const auto outcome = run({{"pid", child.pid()}}, RecordingContext::with_grace(20s));

  EXPECT_EQ(outcome.code, Code::stopped) << describe(outcome);
  EXPECT_EQ(signal_names(outcome), std::vector<std::string>{"SIGUSR1"});
  EXPECT_TRUE(killed_by(child.wait_exit(kExitTimeout), SIGUSR1));
}

TEST_F(PidStopTest, TermDelayIsWaitedForWithoutForcing) {
  auto& child = spawn({"--term-delay-ms", "300"});
  const auto began = Clock::now();

  const auto outcome = run({{"pid", child.pid()}}, RecordingContext::with_grace(20s));

  EXPECT_EQ(outcome.code, Code::stopped) << describe(outcome);
  EXPECT_FALSE(outcome.forced);
  EXPECT_GE(Clock::now() - began, 290ms);
  EXPECT_TRUE(exited_normally(child.wait_exit(kExitTimeout)));
}

TEST_F(PidStopTest, BlockingStopReturnsTheOutcome) {
  auto& child = spawn({"--exit-on-term"});
  RecordingContext context;

  const auto outcome = provider().stop(request({{"pid", child.pid()}}), context);

  EXPECT_EQ(outcome.code, Code::stopped) << describe(outcome);
  EXPECT_EQ(signal_names(outcome), std::vector<std::string>{"SIGTERM"});
  EXPECT_TRUE(exited_normally(child.wait_exit(kExitTimeout)));
  // The relay forwarded progress to the caller's context.
  EXPECT_FALSE(context.progress_events().empty());
}

TEST_F(PidStopTest, DryRunSignalsNothing) {
  auto& child = spawn({"--exit-on-term"});
  auto context = RecordingContext::with_grace(5s);
  auto dry = request({{"pid", child.pid()}});
  dry.dry_run = true;

  provider().start(dry, context);
  const auto outcome = context->wait_outcome(kOutcomeTimeout);

  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->details.at("dry_run"), true) << describe(*outcome);
  EXPECT_NE(outcome->message.find("dry run: would send SIGTERM"), std::string::npos)
      << outcome->message;
  EXPECT_FALSE(stopd::test::wait_until([&] { return !child.running(); }, 300ms));
}

}  // namespace
}  // namespace stopd::process::testing
