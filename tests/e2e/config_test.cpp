// --config: the JSON file the daemon will share. Errors name the file and the place; settings
// reach the plugin.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <csignal>

#include "stopctl_runner.hpp"
#include "stopd/test/child_process.hpp"

namespace stopd::e2e {
namespace {

TEST(Config, MalformedJsonNamesFileLineAndColumn) {
  TempDir dir;
  const auto config =
      dir.write("broken.json", "{\n  \"log_level\": \"info\",\n  \"plugins\": [,]\n}\n");
  const auto result =
      run_stopctl({"--local", "--config", config, "stop", "local.process", "pid=1"});
  EXPECT_EQ(result.exit_code, 3) << result;
  EXPECT_TRUE(contains(result.err, config)) << result;
  EXPECT_TRUE(contains(result.err, "line 3")) << result;
  EXPECT_TRUE(contains(result.err, "column")) << result;

  const auto as_json =
      run_stopctl({"--local", "--config", config, "plugins", "list", "-o", "json"});
  EXPECT_EQ(as_json.exit_code, 3) << as_json;
  EXPECT_EQ(as_json.json().value("code", ""), "config_error") << as_json;
  EXPECT_EQ(as_json.json().value("exit_code", 0), 3) << as_json;
  EXPECT_TRUE(contains(as_json.json().value("message", ""), "line 3")) << as_json;
}

TEST(Config, UnknownKeyIsNamed) {
  TempDir dir;
  const auto config = dir.write("typo.json", R"({"plugin_dir": ["/x"]})");
  const auto result = run_stopctl({"--local", "--config", config, "plugins", "list"});
  EXPECT_EQ(result.exit_code, 3) << result;
  EXPECT_TRUE(contains(result.err, "plugin_dir")) << result;
  EXPECT_TRUE(contains(result.err, config)) << result;
}

TEST(Config, WrongTypeIsNamed) {
  TempDir dir;
  const auto config =
      dir.write("types.json", R"({"providers": {"local.process": {"max_concurrency": -1}}})");
  const auto result =
      run_stopctl({"--local", "--config", config, "stop", "local.process", "pid=1"});
  EXPECT_EQ(result.exit_code, 3) << result;
  EXPECT_TRUE(contains(result.err, "max_concurrency")) << result;
}

TEST(Config, MissingFile) {
  TempDir dir;
  const std::string missing = (dir.path() / "nope.json").string();
  const auto result = run_stopctl({"--local", "--config", missing, "plugins", "list"});
  EXPECT_EQ(result.exit_code, 3) << result;
  EXPECT_TRUE(contains(result.err, missing)) << result;

  const auto directory =
      run_stopctl({"--local", "--config", dir.path().string(), "plugins", "list"});
  EXPECT_EQ(directory.exit_code, 3) << directory;
}

// Settings a plugin refuses are a mistake in the config, named as such, not a plugin to go without.
TEST(Config, InvalidPluginSettingsAreAConfigError) {
  // local.process alone (the build's plugin directory holds the other plugins too).
  TempDir dir;
  const auto config = dir.write(
      "settings.json", std::string(R"({"plugin_dirs": [], "plugins": [")") + STOPD_PROCESS_PLUGIN +
                           R"("], "providers": {"local.process": {"settings": {"bogus": 1}}}})");
  const auto result =
      run_stopctl({"--local", "--config", config, "stop", "local.process", "pid=1"});
  EXPECT_EQ(result.exit_code, 3) << result;
  EXPECT_TRUE(contains(result.err, "config.providers.local.process: invalid settings")) << result;
  EXPECT_TRUE(contains(result.err, "unknown key 'bogus'")) << result;
}

TEST(Config, NoPluginDirectoryMeansNoUsablePlugin) {
  TempDir dir;
  const auto config = dir.write("empty.json", R"({"plugin_dirs": []})");
  const auto result =
      run_stopctl({"--local", "--config", config, "stop", "local.process", "pid=1", "-o", "json"});
  EXPECT_EQ(result.exit_code, 3) << result;
  EXPECT_EQ(result.json().value("code", ""), "config_error") << result;
}

// A selector stop needs a plugin as much as a single stop does: the same config error.
TEST(Config, NoPluginDirectoryMeansNoUsablePluginForASelector) {
  TempDir dir;
  const auto config = dir.write("empty.json", R"({"plugin_dirs": []})");
  const auto result = run_stopctl({"--local", "--config", config, "stop", "local.process",
                                   "--selector", "comm=nothing", "-o", "json"});
  EXPECT_EQ(result.exit_code, 3) << result;
  EXPECT_EQ(result.json().value("code", ""), "config_error") << result;
  EXPECT_TRUE(contains(result.json().value("message", ""), "no usable plugin")) << result;
}

TEST(Config, PerPluginSettingsReachThePlugin) {
  // The child ignores SIGTERM, so only a stop signal taken from the config (SIGINT, whose default
  // action ends it) stops it within the long grace, unforced.
  TempDir dir;
  const auto config =
      dir.write("sigint.json",
                R"({"providers": {"local.process": {"settings": {"stop_signal": "SIGINT"}}}})");
  auto child = stopd::test::spawn_child({"--ignore-term"});
  const auto result = run_stopctl({"--local", "--config", config, "stop", "local.process",
                                   pid_arg(child.pid()), "--grace", "30", "-o", "json"});
  ASSERT_EQ(result.exit_code, 0) << result;
  const auto parsed = result.json();
  EXPECT_EQ(parsed.value("forced", true), false) << result;
  ASSERT_TRUE(parsed["details"]["signals"].is_array()) << result;
  ASSERT_EQ(parsed["details"]["signals"].size(), 1u) << result;
  EXPECT_EQ(parsed["details"]["signals"][0].value("signal", ""), "SIGINT") << result;
  const auto status = child.wait_exit(10s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGINT) << "status " << *status;
}

TEST(Config, LogLevelFromCommandLineOverridesTheConfig) {
  // Each loaded plugin is logged at info: silenced by the config, back with --log-level.
  TempDir dir;
  const auto config = dir.write("quiet.json", nlohmann::json{{"log_level", "off"}}.dump());
  const auto quiet = run_stopctl({"--local", "--config", config, "plugins", "list"});
  EXPECT_EQ(quiet.exit_code, 0) << quiet;
  EXPECT_TRUE(quiet.err.empty()) << quiet;
  const auto loud =
      run_stopctl({"--local", "--config", config, "--log-level", "info", "plugins", "list"});
  EXPECT_EQ(loud.exit_code, 0) << loud;
  EXPECT_TRUE(contains(loud.err, "loaded plugin local.process 1.0.0 from ")) << loud;
}

}  // namespace
}  // namespace stopd::e2e
