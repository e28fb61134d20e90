// `stopctl plugins validate FILE.so [--config FILE]`: the real stopctl checking real plugin
// libraries (bundled, and tests/plugins' validate_plugin.cpp broken one way each) in a real
// stopd-plugin-host child.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "stopctl_runner.hpp"
#include "stopd/sdk/version.hpp"

namespace stopd::e2e {
namespace {

// The SDK ABI this build's plugins and stopctl carry.
const std::string kSdkAbiMinor = std::to_string(stopd::sdk::kAbiMinor);
const std::string kSdkAbi = std::to_string(stopd::sdk::kAbiMajor) + "." + kSdkAbiMinor;

using nlohmann::json;

std::string validate_plugin(const char* name) {
  return (std::filesystem::path(STOPD_VALIDATE_PLUGIN_DIR) / name).string();
}

// The check of that name in `-o json` output (null when it was not reached).
json check_named(const json& report, const std::string& name) {
  for (const auto& check : report["checks"])
    if (check.value("check", "") == name) return check;
  return nullptr;
}

std::string config_with_settings(const TempDir& dir, const json& settings) {
  return dir.write("stopd.json",
                   json{{"providers", {{"test.validate", {{"settings", settings}}}}}}.dump());
}

TEST(PluginsValidate, ABundledPluginIsValidAndItsDescriptorIsPrinted) {
  const auto human = run_stopctl({"plugins", "validate", STOPD_PROCESS_PLUGIN});
  ASSERT_EQ(human.exit_code, 0) << human;
  for (const std::string& part : std::vector<std::string>{
           "name:         local.process", "version:", "description:  Stops local processes",
           "ABI:          " + kSdkAbi, "toolchain:    libstdc++",
           "compiler:", "ok    ABI: plugin " + kSdkAbi + ", this stopctl " + kSdkAbi,
           "ok    toolchain: plugin ", "ok    settings: no --config", "ok    constructor",
           "ok    target_schema", "ok    options_schema", "ok    selector_schema",
           "ok    capabilities: asynchronous, inspect, list",
           "valid: stopd would load this plugin"})
    EXPECT_TRUE(contains(human.out, part)) << part << "\n" << human;
  EXPECT_FALSE(contains(human.out, "FAIL")) << human;

  const auto machine = run_stopctl({"plugins", "validate", STOPD_PROCESS_PLUGIN, "-o", "json"});
  ASSERT_EQ(machine.exit_code, 0) << machine;
  const json report = machine.json();
  EXPECT_EQ(report["valid"], true) << machine;
  EXPECT_EQ(report["descriptor"]["name"], "local.process") << machine;
  EXPECT_EQ(report["descriptor"]["abi"], kSdkAbi) << machine;
  EXPECT_EQ(check_named(report, "abi")["plugin"], kSdkAbi) << machine;
  EXPECT_EQ(check_named(report, "abi")["host"], kSdkAbi) << machine;
  EXPECT_EQ(check_named(report, "capabilities")["capabilities"]["list"], true) << machine;
  for (const char* name :
       {"library", "abi", "toolchain", "descriptor", "config_schema", "settings", "constructor",
        "info", "target_schema", "options_schema", "selector_schema", "capabilities"})
    EXPECT_EQ(check_named(report, name)["ok"], true) << name << "\n" << machine;
}

TEST(PluginsValidate, GoodSettingsFromTheConfigAreAccepted) {
  TempDir dir;
  const auto config = config_with_settings(dir, {{"endpoint", "https://backend.example"}});
  const auto result = run_stopctl(
      {"plugins", "validate", validate_plugin("libstopd_test_validate.so"), "--config", config});
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_TRUE(contains(result.out, "ok    settings: providers.test.validate.settings of " + config))
      << result;
  EXPECT_TRUE(contains(result.out, "version:      2.1.0")) << result;
}

// A constructor reads secrets from the environment (settings {"env": NAME}): the checking
// process must see stopctl's, as a plugin loaded in stopd sees stopd's.
TEST(PluginsValidate, TheConstructorSeesStopctlsEnvironment) {
  TempDir dir;
  const auto config = config_with_settings(dir, {{"token_env", "STOPD_VALIDATE_TEST_TOKEN"}});
  const std::vector<std::string> args{
      "plugins", "validate", validate_plugin("libstopd_test_validate.so"), "--config", config};
  unsetenv("STOPD_VALIDATE_TEST_TOKEN");
  const auto without = run_stopctl(args);
  EXPECT_EQ(without.exit_code, 3) << without;
  EXPECT_TRUE(contains(without.out, "STOPD_VALIDATE_TEST_TOKEN is not set")) << without;
  setenv("STOPD_VALIDATE_TEST_TOKEN", "secret", 1);
  const auto with = run_stopctl(args);
  unsetenv("STOPD_VALIDATE_TEST_TOKEN");
  EXPECT_EQ(with.exit_code, 0) << with;
  EXPECT_FALSE(contains(with.out + with.err, "secret")) << with;
}

TEST(PluginsValidate, InfoThatDisagreesWithTheDescriptorIsAProblem) {
  const auto result = run_stopctl(
      {"plugins", "validate", (test_plugin_dir() / "libstopd_test_name_mismatch.so").string()});
  EXPECT_EQ(result.exit_code, 3) << result;
  EXPECT_TRUE(contains(result.out, "FAIL  info(): the descriptor registers '")) << result;
  EXPECT_TRUE(contains(result.out, "but the provider's info() says '")) << result;
}

TEST(PluginsValidate, AnInvalidTargetSchemaIsAProblemNamingTheJsonPath) {
  const auto result = run_stopctl(
      {"plugins", "validate", validate_plugin("libstopd_test_validate_bad_pattern.so")});
  EXPECT_EQ(result.exit_code, 3) << result;
  EXPECT_TRUE(contains(result.out,
                       "FAIL  target_schema: invalid JSON Schema: /properties/id/pattern: "
                       "invalid regular expression \"^([a-z0-9]+$\""))
      << result;
  EXPECT_TRUE(contains(result.out, "ok    options_schema")) << result;  // the others still checked
  EXPECT_TRUE(contains(result.out, "invalid: 1 problem")) << result;

  const auto machine =
      run_stopctl({"plugins", "validate", validate_plugin("libstopd_test_validate_bad_pattern.so"),
                   "-o", "json"});
  EXPECT_EQ(machine.exit_code, 3) << machine;
  const json report = machine.json();
  EXPECT_EQ(report["valid"], false) << machine;
  EXPECT_TRUE(
      contains(check_named(report, "target_schema").value("message", ""), "/properties/id/pattern"))
      << machine;
}

TEST(PluginsValidate, SettingsTheSchemaRefusesAreAProblemNamingTheSetting) {
  TempDir dir;
  const auto config = config_with_settings(dir, {{"endpoint", 42}});
  const auto result = run_stopctl(
      {"plugins", "validate", validate_plugin("libstopd_test_validate.so"), "--config", config});
  EXPECT_EQ(result.exit_code, 3) << result;
  EXPECT_TRUE(
      contains(result.out,
               "FAIL  settings: invalid settings: providers.test.validate.settings.endpoint: "
               "expected string, got integer 42"))
      << result;
  EXPECT_FALSE(contains(result.out, "constructor")) << result;  // never called with them
}

TEST(PluginsValidate, SettingsTheConstructorRefusesAreAProblemNamingTheSetting) {
  TempDir dir;
  const auto config = config_with_settings(dir, {{"endpoint", "http://plain.example"}});
  const auto result = run_stopctl(
      {"plugins", "validate", validate_plugin("libstopd_test_validate.so"), "--config", config});
  EXPECT_EQ(result.exit_code, 3) << result;
  EXPECT_TRUE(contains(result.out, "ok    settings")) << result;  // the schema accepts them
  EXPECT_TRUE(contains(result.out,
                       "FAIL  constructor: the plugin's factory failed: settings.endpoint: "
                       "expected an https:// URL, got 'http://plain.example'"))
      << result;
}

TEST(PluginsValidate, APluginThatCrashesWhileConstructedIsReportedWithTheSignal) {
  TempDir dir;
  const auto config = config_with_settings(dir, {{"crash", true}});
  for (const char* output : {"human", "json"}) {
    const auto result =
        run_stopctl({"plugins", "validate", validate_plugin("libstopd_test_validate.so"),
                     "--config", config, "-o", output});
    ASSERT_EQ(result.exit_code, 3) << result;  // stopctl survived and said so
    EXPECT_EQ(result.term_signal, 0) << result;
    if (std::string(output) == "human") {
      EXPECT_TRUE(contains(result.out,
                           "FAIL  crashed: the plugin ended the checking process (SIGSEGV) while "
                           "constructing the provider"))
          << result;
      EXPECT_TRUE(contains(result.out, "name:         test.validate")) << result;
    } else {
      const json report = result.json();
      EXPECT_EQ(report["valid"], false) << result;
      EXPECT_EQ(report["crash"]["ended"], "SIGSEGV") << result;
      EXPECT_EQ(report["crash"]["while"], "constructing the provider") << result;
    }
  }
}

TEST(PluginsValidate, APluginThatCrashesInItsStaticInitialisersIsReportedWithTheSignal) {
  const auto result = run_stopctl(
      {"plugins", "validate", validate_plugin("libstopd_test_validate_crash_on_load.so")});
  ASSERT_EQ(result.exit_code, 3) << result;
  EXPECT_TRUE(contains(result.out,
                       "FAIL  crashed: the plugin ended the checking process (SIGSEGV) while "
                       "loading the library (its static initialisers run)"))
      << result;
}

TEST(PluginsValidate, ListWithoutASelectorSchemaIsInconsistent) {
  const auto result = run_stopctl(
      {"plugins", "validate", validate_plugin("libstopd_test_validate_list_no_selector.so")});
  EXPECT_EQ(result.exit_code, 3) << result;
  EXPECT_TRUE(contains(result.out,
                       "FAIL  capabilities: capabilities.list is set but selector_schema is empty"))
      << result;
}

TEST(PluginsValidate, AFileThatIsNotAPluginIsRefusedClearly) {
  TempDir dir;
  const auto text = dir.write("notes.so", "not an ELF file\n");
  const auto not_elf = run_stopctl({"plugins", "validate", text});
  EXPECT_EQ(not_elf.exit_code, 3) << not_elf;
  EXPECT_TRUE(contains(not_elf.out, "FAIL  library: not a loadable shared library")) << not_elf;

  const auto no_descriptor = run_stopctl(
      {"plugins", "validate", (test_plugin_dir() / "libstopd_test_no_descriptor.so").string()});
  EXPECT_EQ(no_descriptor.exit_code, 3) << no_descriptor;
  EXPECT_TRUE(
      contains(no_descriptor.out,
               "FAIL  library: no stopd plugin descriptor (ELF section 'stopd' is missing)"))
      << no_descriptor;

  const auto missing = run_stopctl({"plugins", "validate", (dir.path() / "absent.so").string()});
  EXPECT_EQ(missing.exit_code, 3) << missing;
  EXPECT_TRUE(contains(missing.err, "absent.so: cannot open: No such file or directory"))
      << missing;
}

TEST(PluginsValidate, AnAbiMismatchNamesBothSides) {
  const auto result = run_stopctl(
      {"plugins", "validate", (test_plugin_dir() / "libstopd_test_abi_major.so").string()});
  EXPECT_EQ(result.exit_code, 3) << result;
  EXPECT_TRUE(contains(result.out, "FAIL  ABI: requires stopd SDK ABI 99." + kSdkAbiMinor +
                                       ", this host offers ABI " + kSdkAbi))
      << result;
  EXPECT_TRUE(
      contains(result.out, "[plugin 99." + kSdkAbiMinor + ", this stopctl " + kSdkAbi + "]"))
      << result;
}

TEST(PluginsValidate, TalksToNoDaemon) {
  const auto result =
      run_stopctl({"--socket", "/nonexistent.sock", "plugins", "validate", STOPD_PROCESS_PLUGIN});
  EXPECT_EQ(result.exit_code, 2) << result;
  EXPECT_TRUE(contains(result.err, "does not talk to the daemon")) << result;
}

}  // namespace
}  // namespace stopd::e2e
