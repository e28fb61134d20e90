// --help on every command explains it, its options and an example; the exit-code table is there
// and matches what stopctl returns.
#include <gtest/gtest.h>

#include "stopctl_runner.hpp"
#include "stopd/core/exit_codes.hpp"
#include "stopd/test/version_check.hpp"

namespace stopd::e2e {
namespace {

// "  17  cancelled" as the table prints it.
std::string table_row(int code, std::string_view name) {
  std::string number = std::to_string(code);
  return std::string(4 - number.size(), ' ') + number + "  " + std::string(name);
}

void expect_exit_code_table(const std::string& help) {
  EXPECT_TRUE(contains(help, "Exit codes")) << help;
  EXPECT_TRUE(contains(help, table_row(0, "stopped or already_stopped"))) << help;
  EXPECT_TRUE(contains(help, table_row(2, "usage_error"))) << help;
  EXPECT_TRUE(contains(help, table_row(3, "config_error"))) << help;
  for (std::size_t i = 0; i < sdk::kCodeNames.size(); ++i) {
    const auto code = static_cast<sdk::Code>(i);
    if (sdk::is_success(code)) continue;
    EXPECT_TRUE(contains(help, table_row(core::exit_code_for(code), sdk::to_string(code))))
        << sdk::to_string(code) << "\n"
        << help;
  }
}

TEST(Help, Main) {
  const auto result = run_stopctl({"--help"});
  ASSERT_EQ(result.exit_code, 0) << result;
  for (const char* part : {"Usage:",
                           "--local",
                           "--config",
                           "--log-level",
                           "--output",
                           "--version",
                           "stop",
                           "jobs",
                           "plugins",
                           "--socket",
                           "--address",
                           "--tls-ca",
                           "--tls-cert",
                           "--tls-key",
                           "--tls-server-name",
                           "--insecure",
                           "--token",
                           "--token-file",
                           "--timeout",
                           "STOPD_SOCKET",
                           "STOPD_TOKEN",
                           "Examples:",
                           "stopctl --local stop local.process",
                           "stopctl stop local.process"})
    EXPECT_TRUE(contains(result.out, part)) << part << "\n" << result;
  expect_exit_code_table(result.out);
  EXPECT_EQ(result.out.find("not available yet"), std::string::npos) << result;
}

TEST(Help, Stop) {
  const auto result = run_stopctl({"stop", "--help"});
  ASSERT_EQ(result.exit_code, 0) << result;
  for (const char* part :
       {"Usage:", "TYPE", "KEY=VALUE", "--grace", "--immediate", "--deadline", "--option",
        "--dry-run", "--wait", "--request-id", "unbounded", "Default: 10", "-o json",
        "Examples:", "stopctl --local stop local.process pid=", "stopctl stop local.process pid="})
    EXPECT_TRUE(contains(result.out, part)) << part << "\n" << result;
  expect_exit_code_table(result.out);
  EXPECT_EQ(result.out.find("not available yet"), std::string::npos) << result;
}

TEST(Help, EveryCommand) {
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"plugins", "--help"},
                                             {"plugins", "list", "--help"},
                                             {"plugins", "describe", "--help"},
                                             {"--local", "plugins", "list", "-h"},
                                             {"stop", "-h"}}) {
    const auto result = run_stopctl(args);
    EXPECT_EQ(result.exit_code, 0) << result;
    EXPECT_TRUE(contains(result.out, "Usage:")) << result;
    EXPECT_TRUE(contains(result.out, "Examples:")) << result;
    EXPECT_TRUE(contains(result.out, "stopctl --local")) << result;
  }
  for (const auto& args : std::vector<std::vector<std::string>>{{"jobs", "--help"},
                                                                {"jobs", "list", "--help"},
                                                                {"jobs", "show", "--help"},
                                                                {"jobs", "watch", "--help"},
                                                                {"jobs", "cancel", "-h"}}) {
    const auto result = run_stopctl(args);
    EXPECT_EQ(result.exit_code, 0) << result;
    EXPECT_TRUE(contains(result.out, "Usage:")) << result;
    EXPECT_TRUE(contains(result.out, "Examples:")) << result;
    EXPECT_TRUE(contains(result.out, "stopctl jobs ")) << result;
  }
  const auto validate = run_stopctl({"plugins", "validate", "--help"});
  EXPECT_EQ(validate.exit_code, 0) << validate;
  for (const char* part : {"FILE", "--config", "child process", "JSON path", "capabilities",
                           "Exit codes: 0 every check passed", "plugins validate"})
    EXPECT_TRUE(contains(validate.out, part)) << part << "\n" << validate;
  const auto describe = run_stopctl({"plugins", "describe", "--help"});
  EXPECT_TRUE(contains(describe.out, "NAME")) << describe;
  EXPECT_TRUE(contains(describe.out, "11")) << describe;  // the exit code for an unknown NAME
}

TEST(Help, Version) {
  const auto result = run_stopctl({"--version"});
  EXPECT_EQ(result.exit_code, 0) << result;
  EXPECT_EQ(test::version_problem(result.out, "stopctl"), "") << result;
  // stopd-plugin-host says the same of itself (stopctl --local starts it).
  const std::string host = test::version_output(STOPD_PLUGIN_HOST_EXECUTABLE);
  EXPECT_EQ(test::version_problem(host, "stopd-plugin-host"), "") << host;
}

}  // namespace
}  // namespace stopd::e2e
