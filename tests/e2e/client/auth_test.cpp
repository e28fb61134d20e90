// A daemon whose socket requires a token (auth.unix_socket = "token"): stopctl sends it from
// --token, --token-file or $STOPD_TOKEN, and never shows it.
#include <gtest/gtest.h>

#include <cstdlib>

#include "stopd/test/child_process.hpp"
#include "test_daemon.hpp"

namespace stopd::e2e {
namespace {

using nlohmann::json;

constexpr const char* kOpsToken = "ops-7f3c9a1e5b2d4f60a8c1e3b5d7f9a2c4";
constexpr const char* kNarrowToken = "narrow-2b4d6f8a0c1e3a5c7e9b1d3f5a7c9e0b";
constexpr const char* kWrongToken = "wrong-9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b";

json token_config() {
  return {{"unix_socket", "token"},
          {"tokens",
           {{{"name", "ops"}, {"token", kOpsToken}, {"scopes", {{{"types", {"*"}}}}}},
            {{"name", "narrow"}, {"token", kNarrowToken}, {"scopes", {{{"types", {"cri.*"}}}}}}}}};
}

class ClientAuth : public ::testing::Test {
 protected:
  void SetUp() override { ::unsetenv("STOPD_TOKEN"); }
  void TearDown() override { ::unsetenv("STOPD_TOKEN"); }

  TempDir dir_;
  TestDaemon daemon_{dir_, {{"auth", token_config()}}};
};

TEST_F(ClientAuth, NoTokenIsUnauthenticated) {
  const auto result = daemon_.stopctl({"plugins", "list"});
  EXPECT_EQ(result.exit_code, 12) << result;
  EXPECT_TRUE(contains(result.err, "token")) << result;
  EXPECT_TRUE(contains(result.err, "--token-file")) << result;  // how to give one

  const auto json_result = daemon_.stopctl({"stop", "local.process", "pid=1", "-o", "json"});
  EXPECT_EQ(json_result.exit_code, 12) << json_result;
  EXPECT_EQ(json_result.json().value("code", ""), "unauthenticated") << json_result;
  EXPECT_EQ(json_result.json().value("exit_code", 0), 12) << json_result;
}

TEST_F(ClientAuth, WrongTokenIsUnauthenticatedAndNeverShown) {
  const std::string file = dir_.write("wrong.token", std::string(kWrongToken) + "\n");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--token", kWrongToken, "plugins", "list"},
           {"--token", kWrongToken, "stop", "local.process", "pid=1", "--wait", "-o", "json"},
           {"--token-file", file, "jobs", "list"},
           {"--token-file", file, "jobs", "show", "j-00000000000000000000000000", "-o", "json"},
           {"--token-file", file, "--log-level", "debug", "plugins", "describe",
            "local.process"}}) {
    const auto result = daemon_.stopctl(args);
    EXPECT_EQ(result.exit_code, 12) << result;
    EXPECT_FALSE(contains(result.out, kWrongToken)) << result;
    EXPECT_FALSE(contains(result.err, kWrongToken)) << result;
  }
  const auto from_file = daemon_.stopctl({"--token-file", file, "plugins", "list"});
  EXPECT_TRUE(contains(from_file.err, "the token from --token-file " + file)) << from_file;
  ::setenv("STOPD_TOKEN", kWrongToken, 1);
  const auto from_env = daemon_.stopctl({"plugins", "list"});
  EXPECT_EQ(from_env.exit_code, 12) << from_env;
  EXPECT_TRUE(contains(from_env.err, "$STOPD_TOKEN")) << from_env;
  EXPECT_FALSE(contains(from_env.err, kWrongToken)) << from_env;
  EXPECT_FALSE(contains(daemon_.log(), kWrongToken)) << "the daemon logged the token";
}

TEST_F(ClientAuth, RightTokenIsAccepted) {
  const auto inline_token = daemon_.stopctl({"--token", kOpsToken, "plugins", "list"});
  EXPECT_EQ(inline_token.exit_code, 0) << inline_token;
  EXPECT_TRUE(contains(inline_token.out, "local.process")) << inline_token;

  const std::string file = dir_.write("ops.token", std::string(kOpsToken) + "\n");
  auto child = stopd::test::spawn_child({"--exit-on-term"});
  const auto stopped = daemon_.stopctl({"--token-file", file, "stop", "local.process",
                                        pid_arg(child.pid()), "--wait", "-o", "json"});
  EXPECT_EQ(stopped.exit_code, 0) << stopped;
  EXPECT_EQ(stopped.json().value("requester", ""), "ops") << stopped;

  ::setenv("STOPD_TOKEN", kOpsToken, 1);
  const auto from_env = daemon_.stopctl({"jobs", "list"});
  EXPECT_EQ(from_env.exit_code, 0) << from_env;
  EXPECT_TRUE(contains(from_env.out, "local.process")) << from_env;
  EXPECT_FALSE(contains(from_env.out + from_env.err, kOpsToken)) << from_env;
}

TEST_F(ClientAuth, TokenOutOfScopeIsPermissionDenied) {
  const auto result = daemon_.stopctl(
      {"--token", kNarrowToken, "stop", "local.process", "pid=1", "--wait", "-o", "json"});
  EXPECT_EQ(result.exit_code, 13) << result;
  EXPECT_EQ(result.json().value("code", ""), "permission_denied") << result;
  EXPECT_FALSE(contains(result.out + result.err, kNarrowToken)) << result;
}

}  // namespace
}  // namespace stopd::e2e
