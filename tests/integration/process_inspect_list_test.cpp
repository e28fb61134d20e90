// inspect() and list(): looking without touching, and listing targets that stop() accepts.
#include <unistd.h>

#include <algorithm>

#include "process_test_fixture.hpp"
#include "stopd/test/requirement.hpp"
#include "stopd/test/temp_cgroup.hpp"

namespace stopd::process::testing {
namespace {

using sdk::Code;
using State = sdk::Inspection::State;

using InspectListTest = ProcessProviderTest;

std::vector<pid_t> pids_of(const std::vector<nlohmann::json>& targets) {
  std::vector<pid_t> pids;
  for (const auto& target : targets) pids.push_back(target.at("pid").get<pid_t>());
  std::sort(pids.begin(), pids.end());
  return pids;
}

TEST_F(InspectListTest, RunningProcessIsRunningAndIsNotSignalled) {
  auto& child = spawn({"--exit-on-term"});

  const auto seen = provider().inspect({{"pid", child.pid()}});

  EXPECT_EQ(seen.state, State::running);
  EXPECT_NE(seen.summary.find("pid " + std::to_string(child.pid()) + " (stopd_test_chil), running"),
            std::string::npos)
      << seen.summary;
  EXPECT_EQ(seen.facts.at("processes").at(0).at("pid"), child.pid());
  EXPECT_EQ(seen.facts.at("processes").at(0).at("start_time"),
            *stopd::test::start_time_of(child.pid()));
  EXPECT_FALSE(stopd::test::wait_until([&] { return !child.running(); }, 300ms));
  EXPECT_EQ(provider().loop_thread_tid(), 0) << "inspect() must not start the loop";
}

TEST_F(InspectListTest, ExitedProcessIsStoppedAndMissingPidfileIsAbsent) {
  auto& child = spawn({});
  const pid_t pid = child.pid();
  child.kill_all();
  ASSERT_TRUE(child.wait_exit(kExitTimeout).has_value());

  EXPECT_EQ(provider().inspect({{"pid", pid}}).state, State::stopped);
  const auto missing = provider().inspect({{"pidfile", "/nonexistent/stopd-test.pid"}});
  EXPECT_EQ(missing.state, State::absent);
  EXPECT_NE(missing.summary.find("/nonexistent/stopd-test.pid"), std::string::npos)
      << missing.summary;
}

TEST_F(InspectListTest, StaleStartTimeThrowsFailedPrecondition) {
  auto& child = spawn({});
  const auto start_time = *stopd::test::start_time_of(child.pid());
  try {
    (void)provider().inspect({{"pid", child.pid()}, {"start_time", start_time + 1}});
    FAIL() << "inspect() accepted a stale start_time";
  } catch (const sdk::StopError& e) {
    EXPECT_EQ(e.code(), Code::failed_precondition) << e.what();
  }
}

TEST_F(InspectListTest, InvalidTargetThrowsInvalidArgument) {
  try {
    (void)provider().inspect({{"pid", "twelve"}});
    FAIL() << "inspect() accepted a string pid";
  } catch (const sdk::StopError& e) {
    EXPECT_EQ(e.code(), Code::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("target.pid"), std::string::npos) << e.what();
  }
}

TEST_F(InspectListTest, GroupInspectionCountsMembers) {
  auto& leader = spawn({"--setpgid", "--children", "2"});

  const auto seen = provider().inspect({{"pgid", leader.pid()}});

  EXPECT_EQ(seen.state, State::running);
  EXPECT_EQ(seen.facts.at("process_count"), 3);
  EXPECT_NE(seen.summary.find("3 processes running"), std::string::npos) << seen.summary;
}

TEST_F(InspectListTest, ListByProcessGroupGivesStoppableTargets) {
  auto& leader = spawn({"--setpgid", "--children", "2"});
  std::vector<pid_t> expected = leader.children();
  expected.push_back(leader.pid());
  std::sort(expected.begin(), expected.end());

  const auto targets = provider().list({{"pgid", leader.pid()}});

  EXPECT_EQ(pids_of(targets), expected);
  for (const auto& target : targets) {
    EXPECT_EQ(target.at("start_time"), *stopd::test::start_time_of(target.at("pid").get<pid_t>()));
    EXPECT_EQ(target.size(), 2u) << target.dump();
  }
  // A listed target is a valid stop target.
  const auto outcome = run(targets.front(), RecordingContext::with_grace(20s));
  EXPECT_EQ(outcome.code, Code::stopped) << describe(outcome);
}

TEST_F(InspectListTest, ListByCommFindsTheChildAndNeverThisProcess) {
  auto& child = spawn({});

  const auto by_name = pids_of(provider().list({{"comm", "stopd_test_chil"}}));
  EXPECT_TRUE(std::binary_search(by_name.begin(), by_name.end(), child.pid()));

  const auto own = stopd::test::comm_of(::getpid());
  const auto by_own_name = pids_of(provider().list({{"comm", own}}));
  EXPECT_FALSE(std::binary_search(by_own_name.begin(), by_own_name.end(), ::getpid()));
}

TEST_F(InspectListTest, ListByCgroup) {
  auto cgroup = stopd::test::TempCgroup::create(stopd::test::CgroupVersion::v2);
  if (!cgroup) cgroup = stopd::test::TempCgroup::create(stopd::test::CgroupVersion::v1);
  STOPD_REQUIRE_OR_SKIP(cgroup.has_value(), "a writable cgroup hierarchy");
  auto& child = spawn({"--join-cgroup", cgroup->path(), "--children", "1"});
  std::vector<pid_t> expected{child.pid(), child.children().at(0)};
  std::sort(expected.begin(), expected.end());

  EXPECT_EQ(pids_of(provider().list({{"cgroup", cgroup->path()}})), expected);

  children_.clear();
  cgroup->destroy();
}

TEST_F(InspectListTest, InvalidSelectorsAreInvalidArguments) {
  const std::vector<std::pair<nlohmann::json, std::string>> cases = {
      {nlohmann::json::object(), "selector"},
      {{{"pgid", 1}, {"comm", "x"}}, "selector"},
      {{{"comm", "a-name-longer-than-15"}}, "selector.comm"},
      {{{"pgid", "7"}}, "selector.pgid"},
      {{{"cgroup", "/tmp"}}, "selector.cgroup"},
      {{{"user", "root"}}, "selector"},
  };
  for (const auto& [selector, field] : cases) {
    try {
      (void)provider().list(selector);
      ADD_FAILURE() << "list() accepted " << selector.dump();
    } catch (const sdk::StopError& e) {
      EXPECT_EQ(e.code(), Code::invalid_argument) << selector.dump() << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace stopd::process::testing
