// `stopctl plugins list|describe` through the daemon; and no daemon at all.
#include <gtest/gtest.h>

#include <cstdlib>

#include "test_daemon.hpp"

namespace stopd::e2e {
namespace {

class ClientPlugins : public ::testing::Test {
 protected:
  TempDir dir_;
  TestDaemon daemon_{dir_};
};

TEST_F(ClientPlugins, ListThroughTheDaemon) {
  const auto human = daemon_.stopctl({"plugins", "list"});
  EXPECT_EQ(human.exit_code, 0) << human;
  EXPECT_TRUE(human.out.starts_with("PROVIDER")) << human;
  EXPECT_TRUE(contains(human.out, "local.process")) << human;

  const auto json_result = daemon_.stopctl({"plugins", "list", "-o", "json"});
  EXPECT_EQ(json_result.exit_code, 0) << json_result;
  const auto parsed = json_result.json();
  EXPECT_EQ(parsed.value("daemon", ""), "unix:" + daemon_.socket()) << json_result;
  bool found = false;
  for (const auto& provider : parsed["providers"])
    found = found || provider.value("name", "") == "local.process";
  EXPECT_TRUE(found) << json_result;
}

TEST_F(ClientPlugins, DescribeThroughTheDaemon) {
  const auto human = daemon_.stopctl({"plugins", "describe", "local.process"});
  EXPECT_EQ(human.exit_code, 0) << human;
  EXPECT_TRUE(human.out.starts_with("local.process ")) << human;
  EXPECT_TRUE(
      contains(human.out, "stopctl --socket " + daemon_.socket() + " stop local.process pid="))
      << human;

  const auto json_result = daemon_.stopctl({"plugins", "describe", "local.process", "-o", "json"});
  EXPECT_EQ(json_result.exit_code, 0) << json_result;
  const auto parsed = json_result.json();
  EXPECT_TRUE(parsed["target_schema"]["properties"].contains("pid")) << json_result;
  EXPECT_EQ(parsed["capabilities"].value("asynchronous", false), true) << json_result;

  const auto unknown = daemon_.stopctl({"plugins", "describe", "no.such.type"});
  EXPECT_EQ(unknown.exit_code, 11) << unknown;
  EXPECT_TRUE(contains(unknown.err, "local.process")) << unknown;  // what is loaded
}

TEST(ClientUnreachable, NoDaemonIsUnavailableAndNamesTheSocket) {
  const TempDir dir;
  const std::string socket = (dir.path() / "stopd.sock").string();
  const auto result = run_stopctl({"--socket", socket, "stop", "local.process", "pid=1", "--wait"});
  EXPECT_EQ(result.exit_code, 15) << result;
  EXPECT_TRUE(contains(result.err, "cannot reach stopd at unix:" + socket)) << result;
  EXPECT_TRUE(contains(result.err, "stopd --config")) << result;
  EXPECT_TRUE(contains(result.err, "--local")) << result;

  // $STOPD_SOCKET when --socket is not given.
  ::setenv("STOPD_SOCKET", socket.c_str(), 1);
  const auto from_env = run_stopctl({"jobs", "list", "-o", "json"});
  ::unsetenv("STOPD_SOCKET");
  EXPECT_EQ(from_env.exit_code, 15) << from_env;
  EXPECT_TRUE(contains(from_env.json().value("message", ""), "unix:" + socket)) << from_env;

  // A daemon that went away after it was started.
  TestDaemon daemon(dir);
  daemon.kill();
  const auto killed = daemon.stopctl({"plugins", "list"});
  EXPECT_EQ(killed.exit_code, 15) << killed;
}

}  // namespace
}  // namespace stopd::e2e
