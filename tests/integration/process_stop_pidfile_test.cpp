// Stopping the process a pidfile names: read with a bound, parsed strictly, checked like a pid.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "process_test_fixture.hpp"

namespace stopd::process::testing {
namespace {

using sdk::Code;

class PidfileStopTest : public ProcessProviderTest {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/stopd-pidfile-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    ProcessProviderTest::TearDown();
  }

  std::string write(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  std::string dir_;
};

TEST_F(PidfileStopTest, StopsTheProcessItNames) {
  auto& child = spawn({"--exit-on-term"});
  const auto path = write("good.pid", std::to_string(child.pid()) + "\n");

  const auto outcome = run({{"pidfile", path}}, RecordingContext::with_grace(20s));

  EXPECT_EQ(outcome.code, Code::stopped) << describe(outcome);
  EXPECT_EQ(outcome.details.at("kind"), "pidfile");
  EXPECT_EQ(outcome.details.at("pidfile"), path);
  EXPECT_EQ(outcome.details.at("pid"), child.pid());
  EXPECT_NE(outcome.message.find("from pidfile " + path), std::string::npos) << outcome.message;
  EXPECT_TRUE(exited_normally(child.wait_exit(kExitTimeout)));
}

TEST_F(PidfileStopTest, StartTimeIsCheckedToo) {
  auto& child = spawn({"--exit-on-term"});
  const auto path = write("pinned.pid", std::to_string(child.pid()));
  const auto start_time = stopd::test::start_time_of(child.pid());
  ASSERT_TRUE(start_time);

  const auto stale =
      run({{"pidfile", path}, {"start_time", *start_time + 7}}, RecordingContext::with_grace(20s));
  EXPECT_EQ(stale.code, Code::failed_precondition) << describe(stale);
  EXPECT_TRUE(child.running());

  const auto good =
      run({{"pidfile", path}, {"start_time", *start_time}}, RecordingContext::with_grace(20s));
  EXPECT_EQ(good.code, Code::stopped) << describe(good);
  EXPECT_TRUE(exited_normally(child.wait_exit(kExitTimeout)));
}

TEST_F(PidfileStopTest, MissingPidfileIsNotFound) {
  const auto outcome = run({{"pidfile", dir_ + "/missing.pid"}}, RecordingContext::with_grace(5s));

  EXPECT_EQ(outcome.code, Code::not_found) << describe(outcome);
  EXPECT_NE(outcome.message.find(dir_ + "/missing.pid"), std::string::npos) << outcome.message;
}

TEST_F(PidfileStopTest, MalformedPidfilesAreInvalidArguments) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"empty", ""},
      {"words", "not a pid\n"},
      {"two", "12 34\n"},
      {"negative", "-5\n"},
      {"zero", "0\n"},
      {"sign", "+42\n"},
      {"huge", "99999999999\n"},
      {"trailing", "42x\n"},
      {"long", std::string(200, '1')},
  };
  for (const auto& [name, content] : cases) {
    const auto path = write(name + ".pid", content);
    const auto outcome = run({{"pidfile", path}}, RecordingContext::with_grace(5s));
    EXPECT_EQ(outcome.code, Code::invalid_argument) << name << ": " << describe(outcome);
    EXPECT_NE(outcome.message.find(path), std::string::npos) << name << ": " << outcome.message;
  }
}

TEST_F(PidfileStopTest, DirectoryIsAnInvalidArgument) {
  const auto outcome = run({{"pidfile", dir_}}, RecordingContext::with_grace(5s));

  EXPECT_EQ(outcome.code, Code::invalid_argument) << describe(outcome);
  EXPECT_NE(outcome.message.find("target.pidfile"), std::string::npos) << outcome.message;
}

TEST_F(PidfileStopTest, FifoDoesNotBlock) {
  const std::string path = dir_ + "/fifo.pid";
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);

  const auto outcome = run({{"pidfile", path}}, RecordingContext::with_grace(5s));

  EXPECT_EQ(outcome.code, Code::invalid_argument) << describe(outcome);
}

TEST_F(PidfileStopTest, PidfileOfAnExitedProcessIsAlreadyStopped) {
  auto& child = spawn({});
  const auto path = write("dead.pid", std::to_string(child.pid()) + "\n");
  child.kill_all();
  ASSERT_TRUE(child.wait_exit(kExitTimeout).has_value());

  const auto outcome = run({{"pidfile", path}}, RecordingContext::with_grace(5s));

  EXPECT_EQ(outcome.code, Code::already_stopped) << describe(outcome);
  EXPECT_NE(outcome.message.find(path), std::string::npos) << outcome.message;
}

}  // namespace
}  // namespace stopd::process::testing
