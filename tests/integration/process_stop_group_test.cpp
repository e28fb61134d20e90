// Stopping a process group as a whole: every member, the stubborn ones forced, and members forked
// while the stop runs.
#include <unistd.h>

#include <csignal>

#include "process_test_fixture.hpp"

namespace stopd::process::testing {
namespace {

using sdk::Code;

class GroupStopTest : public ProcessProviderTest {
 protected:
  void TearDown() override {
    // Whatever a failed test left in its group: SIGKILL by group id is fine in test cleanup.
    for (const pid_t pgid : groups_) ::kill(-pgid, SIGKILL);
    ProcessProviderTest::TearDown();
  }
  pid_t group_of(const ChildProcess& leader) {
    groups_.push_back(leader.pid());
    return leader.pid();
  }
  std::vector<pid_t> groups_;
};

TEST_F(GroupStopTest, EveryMemberIsStoppedAndTheStubbornOneIsForced) {
  auto& leader = spawn({"--setpgid", "--children", "2"});
  const pid_t pgid = group_of(leader);
  auto& stubborn = spawn({"--join-pgid", std::to_string(pgid), "--ignore-term"});
  ASSERT_EQ(stopd::test::running_in_process_group(pgid).size(), 4u);
  const auto began = Clock::now();

  const auto outcome = run({{"pgid", pgid}}, RecordingContext::with_grace(1s));

  EXPECT_EQ(outcome.code, Code::stopped) << describe(outcome);
  EXPECT_TRUE(outcome.forced);
  EXPECT_GE(Clock::now() - began, 900ms);
  EXPECT_EQ(outcome.details.at("kind"), "pgid");
  EXPECT_EQ(outcome.details.at("process_count"), 4);
  EXPECT_EQ(processes_signalled(outcome, "SIGTERM"), 4u);
  EXPECT_EQ(processes_signalled(outcome, "SIGKILL"), 1u);
  EXPECT_NE(outcome.message.find("1 of 4 processes did not exit within the 1 s grace"),
            std::string::npos)
      << outcome.message;
  EXPECT_TRUE(stopd::test::running_in_process_group(pgid).empty());
  EXPECT_TRUE(exited_normally(leader.wait_exit(kExitTimeout)));
  EXPECT_TRUE(killed_by(stubborn.wait_exit(kExitTimeout), SIGKILL));
  EXPECT_TRUE(leader.all_exited());
}

TEST_F(GroupStopTest, GroupThatExitsOnTermIsNotForced) {
  auto& leader = spawn({"--setpgid", "--children", "3"});
  const pid_t pgid = group_of(leader);

  const auto outcome = run({{"pgid", pgid}}, RecordingContext::with_grace(20s));

  EXPECT_EQ(outcome.code, Code::stopped) << describe(outcome);
  EXPECT_FALSE(outcome.forced);
  EXPECT_EQ(signal_names(outcome), std::vector<std::string>{"SIGTERM"});
  EXPECT_EQ(processes_signalled(outcome, "SIGTERM"), 4u);
  EXPECT_TRUE(stopd::test::running_in_process_group(pgid).empty());
  EXPECT_TRUE(stopd::test::wait_until([&] { return leader.all_exited(); }, kExitTimeout));
}

TEST_F(GroupStopTest, MemberForkedDuringTheStopIsStoppedToo) {
  stopd::test::SpawnOptions options;
  options.keep_report_pipe = true;
  auto& leader = spawn({"--setpgid", "--fork-on-term"}, options);
  const pid_t pgid = group_of(leader);

  const auto outcome = run({{"pgid", pgid}}, RecordingContext::with_grace(20s));

  EXPECT_EQ(outcome.code, Code::stopped) << describe(outcome);
  EXPECT_FALSE(outcome.forced);
  const auto successor = leader.read_forked(5s);
  ASSERT_TRUE(successor.has_value());
  EXPECT_FALSE(stopd::test::is_running(*successor));
  EXPECT_EQ(outcome.details.at("process_count"), 2);
  // Two rounds of SIGTERM: the leader, then the successor found by the rescan.
  EXPECT_EQ(signal_names(outcome), (std::vector<std::string>{"SIGTERM", "SIGTERM"}));
  EXPECT_TRUE(stopd::test::running_in_process_group(pgid).empty());
}

TEST_F(GroupStopTest, EmptyGroupIsAlreadyStopped) {
  auto& leader = spawn({"--setpgid"});
  const pid_t pgid = group_of(leader);
  leader.kill_all();
  ASSERT_TRUE(leader.wait_exit(kExitTimeout).has_value());

  const auto outcome = run({{"pgid", pgid}}, RecordingContext::with_grace(5s));

  EXPECT_EQ(outcome.code, Code::already_stopped) << describe(outcome);
  EXPECT_NE(outcome.message.find("process group " + std::to_string(pgid)), std::string::npos)
      << outcome.message;
}

TEST_F(GroupStopTest, ImmediateGroupStopSendsOnlySigkill) {
  auto& leader = spawn({"--setpgid", "--children", "2"});
  const pid_t pgid = group_of(leader);

  const auto outcome = run({{"pgid", pgid}}, RecordingContext::immediate(), sdk::Mode::immediate);

  EXPECT_EQ(outcome.code, Code::stopped) << describe(outcome);
  EXPECT_EQ(signal_names(outcome), std::vector<std::string>{"SIGKILL"});
  EXPECT_EQ(processes_signalled(outcome, "SIGKILL"), 3u);
  EXPECT_TRUE(killed_by(leader.wait_exit(kExitTimeout), SIGKILL));
}

TEST_F(GroupStopTest, OwnProcessGroupIsRefused) {
  const auto outcome = run({{"pgid", ::getpgrp()}}, RecordingContext::with_grace(5s));

  EXPECT_EQ(outcome.code, Code::failed_precondition) << describe(outcome);
  EXPECT_NE(outcome.message.find("own process"), std::string::npos) << outcome.message;
  EXPECT_NE(outcome.message.find("process group " + std::to_string(::getpgrp())), std::string::npos)
      << outcome.message;
}

}  // namespace
}  // namespace stopd::process::testing
