// Bad command lines and bad targets: a clear message naming what is wrong, the documented exit
// code, JSON under -o json, and never a crash (run_stopctl checks that for every run).
#include <gtest/gtest.h>

#include "stopctl_runner.hpp"

namespace stopd::e2e {
namespace {

TEST(BadInput, UnknownTypeNamesTheLoadedTypes) {
  const auto result = run_stopctl({"--local", "stop", "no.such.type", "id=1"});
  EXPECT_EQ(result.exit_code, 11) << result;
  EXPECT_TRUE(result.out.empty()) << result;
  EXPECT_TRUE(contains(result.err, "no.such.type")) << result;
  EXPECT_TRUE(contains(result.err, "local.process")) << result;
}

TEST(BadInput, UnknownTypeAsJson) {
  const auto result = run_stopctl({"--local", "stop", "no.such.type", "id=1", "-o", "json"});
  EXPECT_EQ(result.exit_code, 11) << result;
  const auto json = result.json();
  EXPECT_EQ(json.value("code", ""), "invalid_argument") << result;
  EXPECT_TRUE(contains(json.value("message", ""), "local.process")) << result;
  EXPECT_EQ(json.value("type", ""), "no.such.type") << result;
  EXPECT_EQ(json.value("forced", true), false) << result;
}

TEST(BadInput, UnknownTypeMentionsRefusedPlugins) {
  TempDir dir;
  const auto refused = test_plugin_dir() / "libstopd_test_abi_major.so";
  ASSERT_TRUE(std::filesystem::exists(refused)) << refused;
  const auto config =
      dir.write("stopd.json", nlohmann::json{{"plugins", {refused.string()}}}.dump());
  const auto result =
      run_stopctl({"--local", "--config", config, "stop", "test.raw", "id=1", "-o", "json"});
  EXPECT_EQ(result.exit_code, 11) << result;
  const std::string message = result.json().value("message", "");
  EXPECT_TRUE(contains(message, "refused")) << result;
  EXPECT_TRUE(contains(message, refused.string())) << result;
  EXPECT_TRUE(contains(message, "ABI")) << result;
}

TEST(BadInput, EmptyType) {
  const auto result = run_stopctl({"--local", "stop", "", "pid=1"});
  EXPECT_EQ(result.exit_code, 11) << result;
  EXPECT_TRUE(contains(result.err, "TYPE is empty")) << result;
}

TEST(BadInput, MissingTargetKeyNamesTheKeys) {
  const auto result = run_stopctl({"--local", "stop", "local.process"});
  EXPECT_EQ(result.exit_code, 11) << result;
  EXPECT_TRUE(contains(result.err, "pid")) << result;
  EXPECT_TRUE(contains(result.err, "invalid_argument")) << result;
}

TEST(BadInput, NonIntegerPidNamesTheKey) {
  const auto result = run_stopctl({"--local", "stop", "local.process", "pid=abc"});
  EXPECT_EQ(result.exit_code, 11) << result;
  EXPECT_TRUE(contains(result.err, "pid=abc")) << result;
  EXPECT_TRUE(contains(result.err, "integer")) << result;

  const auto json = run_stopctl({"--local", "stop", "local.process", "pid=abc", "-o", "json"});
  EXPECT_EQ(json.exit_code, 11) << json;
  EXPECT_EQ(json.json().value("code", ""), "invalid_argument") << json;
  EXPECT_TRUE(contains(json.json().value("message", ""), "pid")) << json;
}

TEST(BadInput, UnknownTargetKeyIsNamed) {
  const auto result = run_stopctl({"--local", "stop", "local.process", "pid=1", "colour=red"});
  EXPECT_EQ(result.exit_code, 11) << result;
  EXPECT_TRUE(contains(result.err, "colour")) << result;
}

TEST(BadInput, ArgumentWithoutEquals) {
  const auto result = run_stopctl({"--local", "stop", "local.process", "4242"});
  EXPECT_EQ(result.exit_code, 11) << result;
  EXPECT_TRUE(contains(result.err, "KEY=VALUE")) << result;
}

TEST(BadInput, BadOptionIsNamed) {
  const auto result = run_stopctl(
      {"--local", "stop", "local.process", "pid=1", "--option", "colour=red", "-o", "json"});
  EXPECT_EQ(result.exit_code, 11) << result;
  EXPECT_TRUE(contains(result.json().value("message", ""), "colour")) << result;
}

TEST(BadInput, NegativeGraceIsAUsageError) {
  const auto result = run_stopctl({"--local", "stop", "local.process", "pid=1", "--grace", "-3"});
  EXPECT_EQ(result.exit_code, 2) << result;
  EXPECT_TRUE(contains(result.err, "--grace")) << result;
  EXPECT_TRUE(contains(result.err, "-3")) << result;
  EXPECT_TRUE(contains(result.err, "seconds")) << result;
}

TEST(BadInput, GraceThatIsNotANumber) {
  for (const char* grace : {"abc", "nan", "inf", "1e400", "5x", "", "10 s", "-0.5"}) {
    const auto result =
        run_stopctl({"--local", "stop", "local.process", "pid=1", "--grace", grace});
    EXPECT_EQ(result.exit_code, 2) << result;
    EXPECT_TRUE(contains(result.err, "--grace")) << result;
  }
}

TEST(BadInput, GraceAndImmediateTogether) {
  const auto result =
      run_stopctl({"--local", "stop", "local.process", "pid=1", "--grace", "1", "--immediate"});
  EXPECT_EQ(result.exit_code, 2) << result;
  EXPECT_TRUE(contains(result.err, "--grace")) << result;
  EXPECT_TRUE(contains(result.err, "--immediate")) << result;
}

TEST(BadInput, BadDeadline) {
  for (const char* deadline : {"0", "-1", "soon"}) {
    const auto result =
        run_stopctl({"--local", "stop", "local.process", "pid=1", "--deadline", deadline});
    EXPECT_EQ(result.exit_code, 2) << result;
    EXPECT_TRUE(contains(result.err, "--deadline")) << result;
  }
}

TEST(BadInput, UsageErrorsAsJson) {
  const auto result =
      run_stopctl({"--local", "stop", "local.process", "pid=1", "--grace", "-3", "-o", "json"});
  EXPECT_EQ(result.exit_code, 2) << result;
  const auto json = result.json();
  EXPECT_EQ(json.value("code", ""), "usage_error") << result;
  EXPECT_EQ(json.value("exit_code", 0), 2) << result;
  EXPECT_TRUE(contains(json.value("message", ""), "--grace")) << result;

  const auto unknown_option =
      run_stopctl({"--local", "--frobnicate", "-o", "json", "plugins", "list"});
  EXPECT_EQ(unknown_option.exit_code, 2) << unknown_option;
  EXPECT_EQ(unknown_option.json().value("code", ""), "usage_error") << unknown_option;
}

TEST(BadInput, OversizedArgument) {
  // Just under the kernel's limit for one argument (128 KiB).
  const std::string huge = "pid=" + std::string(100 * 1024, '7');
  const auto result = run_stopctl({"--local", "stop", "local.process", huge});
  EXPECT_EQ(result.exit_code, 11) << result.err.substr(0, 500);
  EXPECT_TRUE(contains(result.err, "bytes")) << result.err.substr(0, 500);
  EXPECT_LT(result.err.size(), 2000u) << "the message echoes the whole argument";

  const std::string huge_type(100 * 1024, 'x');
  const auto type = run_stopctl({"--local", "stop", huge_type, "pid=1", "-o", "json"});
  EXPECT_EQ(type.exit_code, 11);
  EXPECT_LT(type.out.size(), 4000u);
}

TEST(BadInput, InvalidUtf8Argument) {
  const auto result =
      run_stopctl({"--local", "stop", "local.process", "pidfile=/tmp/\xff\xfe.pid", "-o", "json"});
  EXPECT_EQ(result.exit_code, 11) << result;
  EXPECT_EQ(result.json().value("code", ""), "invalid_argument") << result;
  EXPECT_TRUE(contains(result.json().value("message", ""), "UTF-8")) << result;
}

// Without --local every command talks to the daemon; with none listening on the socket, it says
// where it looked and what to do (exit 15). The daemon itself: tests/e2e/client.
TEST(BadInput, WithoutLocalAndNoDaemonSaysWhereItLooked) {
  const TempDir dir;
  const std::string socket = (dir.path() / "missing.sock").string();
  for (const auto& args : std::vector<std::vector<std::string>>{{"stop", "local.process", "pid=1"},
                                                                {"plugins", "list"},
                                                                {"plugins", "describe", "x"},
                                                                {"jobs", "list"},
                                                                {"jobs", "show", "j-1"}}) {
    std::vector<std::string> full{"--socket", socket};
    full.insert(full.end(), args.begin(), args.end());
    const auto result = run_stopctl(full);
    EXPECT_EQ(result.exit_code, 15) << result;
    EXPECT_TRUE(contains(result.err, "unix:" + socket)) << result;
    EXPECT_TRUE(contains(result.err, "--local")) << result;
    EXPECT_TRUE(contains(result.err, "stopd --config")) << result;
  }
  const auto json =
      run_stopctl({"stop", "local.process", "pid=1", "--socket", socket, "-o", "json"});
  EXPECT_EQ(json.exit_code, 15) << json;
  EXPECT_EQ(json.json().value("code", ""), "unavailable") << json;
  EXPECT_EQ(json.json().value("exit_code", 0), 15) << json;
}

TEST(BadInput, OptionsOfTheOtherMode) {
  const auto socket_with_local = run_stopctl({"--local", "--socket", "/x.sock", "plugins", "list"});
  EXPECT_EQ(socket_with_local.exit_code, 2) << socket_with_local;
  EXPECT_TRUE(contains(socket_with_local.err, "--socket")) << socket_with_local;
  const auto config_without_local = run_stopctl({"--config", "x.json", "plugins", "list"});
  EXPECT_EQ(config_without_local.exit_code, 2) << config_without_local;
  EXPECT_TRUE(contains(config_without_local.err, "--local")) << config_without_local;
  const auto jobs_local = run_stopctl({"--local", "jobs", "list"});
  EXPECT_EQ(jobs_local.exit_code, 2) << jobs_local;
  EXPECT_TRUE(contains(jobs_local.err, "daemon")) << jobs_local;
  const auto request_id_local =
      run_stopctl({"--local", "stop", "local.process", "pid=1", "--request-id", "a"});
  EXPECT_EQ(request_id_local.exit_code, 2) << request_id_local;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--socket", "/x.sock", "--address", "h:1", "plugins", "list"},
           {"--tls-ca", "ca.pem", "plugins", "list"},
           {"--address", "h:1", "--insecure", "--tls-ca", "ca.pem", "plugins", "list"},
           {"--address", "h:1", "--tls-cert", "c.pem", "plugins", "list"},
           {"--address", "nonsense", "plugins", "list"},
           {"--address", "h:99999", "plugins", "list"},
           {"--token", "a", "--token-file", "b", "plugins", "list"},
           {"--timeout", "0", "plugins", "list"},
           {"jobs", "list", "--state", "sleeping"},
           {"jobs", "list", "--since", "yesterday"},
           {"jobs", "list", "--since", "2999-01-01T00:00:00Z"},
           {"jobs", "list", "--since", "2026-11-22T05:00:00"},
           {"jobs", "list", "--until", "tomorrow"},
           {"jobs", "list", "--since", "1h", "--until", "2h"},
           {"jobs", "list", "--limit", "0"}}) {
    const auto result = run_stopctl(args);
    EXPECT_EQ(result.exit_code, 2) << result;
  }
  const TempDir dir;
  const auto missing_token_file = run_stopctl(
      {"--token-file", (dir.path() / "none").string(), "--socket", "/x.sock", "plugins", "list"});
  EXPECT_EQ(missing_token_file.exit_code, 3) << missing_token_file;
  EXPECT_TRUE(contains(missing_token_file.err, "--token-file")) << missing_token_file;
}

TEST(BadInput, MissingCommandOrArguments) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {},
           {"--local"},
           {"--local", "stop"},
           {"--local", "plugins"},
           {"--local", "plugins", "describe"},
           {"--local", "frobnicate"},
           {"--local", "-o", "yaml", "plugins", "list"},
           {"--local", "--log-level", "loud", "plugins", "list"}}) {
    const auto result = run_stopctl(args);
    EXPECT_EQ(result.exit_code, 2) << result;
    EXPECT_TRUE(contains(result.err, "--help")) << result;  // points at the help
  }
}

}  // namespace
}  // namespace stopd::e2e
