// Stopping every process of a cgroup (descendant cgroups included), on cgroup v2 and on a v1
// hierarchy. Each test makes a fresh cgroup and removes it, killing what is left, when it ends.
#include <unistd.h>

#include <csignal>
#include <fstream>

#include "process_test_fixture.hpp"
#include "stopd/test/requirement.hpp"
#include "stopd/test/temp_cgroup.hpp"

namespace stopd::process::testing {
namespace {

using sdk::Code;
using stopd::test::CgroupVersion;
using stopd::test::TempCgroup;

class CgroupStopTest : public ProcessProviderTest,
                       public ::testing::WithParamInterface<CgroupVersion> {
 protected:
  void SetUp() override {
    cgroup_ = TempCgroup::create(GetParam());
    STOPD_REQUIRE_OR_SKIP(cgroup_.has_value(), "a writable cgroup hierarchy of this version");
  }
  void TearDown() override {
    ProcessProviderTest::TearDown();
    if (cgroup_) cgroup_->destroy();
  }

  std::optional<TempCgroup> cgroup_;
};

std::string version_name(const ::testing::TestParamInfo<CgroupVersion>& info) {
  return info.param == CgroupVersion::v2 ? "v2" : "v1";
}

TEST_P(CgroupStopTest, EveryProcessIncludingDescendantCgroupsIsStopped) {
  const std::string nested = cgroup_->make_child("nested");
  auto& first = spawn({"--join-cgroup", cgroup_->path(), "--children", "2"});
  auto& stubborn = spawn({"--join-cgroup", cgroup_->path(), "--ignore-term"});
  auto& deep = spawn({"--join-cgroup", nested});
  ASSERT_EQ(cgroup_->pids().size(), 5u);

  const auto outcome = run({{"cgroup", cgroup_->path()}}, RecordingContext::with_grace(1s));

  EXPECT_EQ(outcome.code, Code::stopped) << describe(outcome);
  EXPECT_TRUE(outcome.forced);
  EXPECT_EQ(outcome.details.at("kind"), "cgroup");
  EXPECT_EQ(outcome.details.at("cgroup"), cgroup_->path());
  EXPECT_EQ(outcome.details.at("process_count"), 5);
  EXPECT_EQ(processes_signalled(outcome, "SIGTERM"), 5u);
  EXPECT_EQ(processes_signalled(outcome, "SIGKILL"), 1u);
  EXPECT_TRUE(exited_normally(first.wait_exit(kExitTimeout)));
  EXPECT_TRUE(killed_by(stubborn.wait_exit(kExitTimeout), SIGKILL));
  EXPECT_TRUE(exited_normally(deep.wait_exit(kExitTimeout)));
  EXPECT_TRUE(stopd::test::wait_until([&] { return first.all_exited(); }, kExitTimeout));
  // Zombies of ours may linger in cgroup.procs until reaped.
  stopd::test::reap_exited_children();
  EXPECT_TRUE(stopd::test::wait_until([&] { return cgroup_->pids().empty(); }, kExitTimeout));
}

TEST_P(CgroupStopTest, ProcessForkedDuringTheStopIsStoppedToo) {
  stopd::test::SpawnOptions options;
  options.keep_report_pipe = true;
  auto& parent = spawn({"--join-cgroup", cgroup_->path(), "--fork-on-term"}, options);

  const auto outcome = run({{"cgroup", cgroup_->path()}}, RecordingContext::with_grace(20s));

  EXPECT_EQ(outcome.code, Code::stopped) << describe(outcome);
  EXPECT_FALSE(outcome.forced);
  EXPECT_EQ(outcome.details.at("process_count"), 2);
  const auto successor = parent.read_forked(5s);
  ASSERT_TRUE(successor.has_value());
  EXPECT_FALSE(stopd::test::is_running(*successor));
  EXPECT_EQ(signal_names(outcome), (std::vector<std::string>{"SIGTERM", "SIGTERM"}));
}

TEST_P(CgroupStopTest, ImmediateKillsEverything) {
  auto& child = spawn({"--join-cgroup", cgroup_->path(), "--children", "3"});

  const auto outcome =
      run({{"cgroup", cgroup_->path()}}, RecordingContext::immediate(), sdk::Mode::immediate);

  EXPECT_EQ(outcome.code, Code::stopped) << describe(outcome);
  EXPECT_EQ(signal_names(outcome), std::vector<std::string>{"SIGKILL"});
  EXPECT_TRUE(killed_by(child.wait_exit(kExitTimeout), SIGKILL));
}

TEST_P(CgroupStopTest, EmptyCgroupIsAlreadyStopped) {
  const auto outcome = run({{"cgroup", cgroup_->path()}}, RecordingContext::with_grace(5s));

  EXPECT_EQ(outcome.code, Code::already_stopped) << describe(outcome);
  EXPECT_NE(outcome.message.find(cgroup_->path()), std::string::npos) << outcome.message;
}

TEST_P(CgroupStopTest, MissingCgroupIsNotFound) {
  const auto outcome =
      run({{"cgroup", cgroup_->path() + "/no-such-child"}}, RecordingContext::with_grace(5s));

  EXPECT_EQ(outcome.code, Code::not_found) << describe(outcome);
}

// Moves this test process into a cgroup for the duration of a scope, and back.
class JoinedCgroup {
 public:
  JoinedCgroup(const std::string& target, CgroupVersion version) : home_(home_of(version)) {
    joined_ = write_pid(target + "/cgroup.procs");
  }
  ~JoinedCgroup() {
    if (joined_) write_pid(home_ + "/cgroup.procs");
  }
  bool joined() const { return joined_ && !home_.empty(); }

 private:
  // This process's current cgroup in that hierarchy, as a directory.
  static std::string home_of(CgroupVersion version) {
    std::ifstream mounts("/proc/self/mounts");
    std::string device, mount_point, type, rest, root;
    while (mounts >> device >> mount_point >> type && std::getline(mounts, rest)) {
      if (version == CgroupVersion::v2 && type == "cgroup2") root = mount_point;
      if (version == CgroupVersion::v1 && type == "cgroup" &&
          rest.find("pids") != std::string::npos)
        root = mount_point;
    }
    std::ifstream self("/proc/self/cgroup");
    std::string line;
    while (std::getline(self, line)) {
      const auto first = line.find(':');
      const auto second = line.find(':', first + 1);
      const auto controllers = line.substr(first + 1, second - first - 1);
      if ((version == CgroupVersion::v2 && controllers.empty()) ||
          (version == CgroupVersion::v1 && controllers == "pids"))
        return root.empty() ? std::string() : root + line.substr(second + 1);
    }
    return {};
  }
  static bool write_pid(const std::string& procs) {
    std::ofstream file(procs);
    file << ::getpid() << std::flush;
    return static_cast<bool>(file);
  }

  std::string home_;
  bool joined_ = false;
};

TEST_P(CgroupStopTest, CgroupContainingThisProcessIsRefused) {
  auto& child = spawn({"--join-cgroup", cgroup_->path()});
  JoinedCgroup joined(cgroup_->path(), GetParam());
  STOPD_REQUIRE_OR_SKIP(joined.joined(), "moving this process into the test cgroup and back");

  const auto outcome = run({{"cgroup", cgroup_->path()}}, RecordingContext::with_grace(5s));

  EXPECT_EQ(outcome.code, Code::failed_precondition) << describe(outcome);
  EXPECT_NE(outcome.message.find("own process"), std::string::npos) << outcome.message;
  EXPECT_TRUE(signal_names(outcome).empty());
  EXPECT_FALSE(stopd::test::wait_until([&] { return !child.running(); }, 300ms));
}

INSTANTIATE_TEST_SUITE_P(Versions, CgroupStopTest,
                         ::testing::Values(CgroupVersion::v2, CgroupVersion::v1), version_name);

TEST(CgroupTargetTest, DirectoryThatIsNotACgroupIsAnInvalidArgument) {
  ProcessProvider provider(
      sdk::ProviderConfig{{}, std::make_shared<stopd::test::RecordingLogger>()});
  for (const std::string path : {"/tmp", "/proc/self", "relative/path"}) {
    auto context = RecordingContext::with_grace(5s);
    sdk::StopRequest request;
    request.target = {{"cgroup", path}};
    provider.start(request, context);
    const auto outcome = context->wait_outcome(kOutcomeTimeout);
    ASSERT_TRUE(outcome.has_value());
    EXPECT_EQ(outcome->code, Code::invalid_argument) << path << ": " << describe(*outcome);
    EXPECT_NE(outcome->message.find("target.cgroup"), std::string::npos) << outcome->message;
  }
}

}  // namespace
}  // namespace stopd::process::testing
