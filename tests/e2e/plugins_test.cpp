// `stopctl --local plugins list|describe`, human and JSON.
#include <gtest/gtest.h>

#include "stopctl_runner.hpp"

namespace stopd::e2e {
namespace {

TEST(Plugins, ListHuman) {
  const auto result = run_stopctl({"--local", "plugins", "list"});
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_TRUE(contains(result.out, "PROVIDER")) << result;
  EXPECT_TRUE(contains(result.out, "local.process")) << result;
  EXPECT_TRUE(contains(result.out, "async")) << result;
  EXPECT_FALSE(contains(result.out, "Refused")) << result;
}

TEST(Plugins, ListJson) {
  const auto result = run_stopctl({"--local", "plugins", "list", "-o", "json"});
  ASSERT_EQ(result.exit_code, 0) << result;
  const auto parsed = result.json();
  ASSERT_TRUE(parsed["providers"].is_array()) << result;
  bool found = false;
  for (const auto& provider : parsed["providers"]) {
    if (provider.value("name", "") != "local.process") continue;
    found = true;
    EXPECT_FALSE(provider.value("version", "").empty()) << result;
    EXPECT_TRUE(provider["asynchronous"].is_boolean()) << result;
    EXPECT_FALSE(provider.value("description", "").empty()) << result;
    EXPECT_TRUE(contains(provider.value("library", ""), "libstopd_process.so")) << result;
  }
  EXPECT_TRUE(found) << result;
  EXPECT_TRUE(parsed["refused"].is_array() && parsed["refused"].empty()) << result;
}

TEST(Plugins, ListShowsRefusedPluginsWithTheReason) {
  TempDir dir;
  const auto refused = test_plugin_dir() / "libstopd_test_abi_major.so";
  const auto no_descriptor = test_plugin_dir() / "libstopd_test_no_descriptor.so";
  const auto config = dir.write(
      "stopd.json", nlohmann::json{{"plugins", {refused.string(), no_descriptor.string()}}}.dump());

  const auto human = run_stopctl({"--local", "--config", config, "plugins", "list"});
  ASSERT_EQ(human.exit_code, 0) << human;
  EXPECT_TRUE(contains(human.out, "local.process")) << human;  // the others still load
  EXPECT_TRUE(contains(human.out, "Refused plugins")) << human;
  EXPECT_TRUE(contains(human.out, refused.string())) << human;
  EXPECT_TRUE(contains(human.out, no_descriptor.string())) << human;

  const auto as_json =
      run_stopctl({"--local", "--config", config, "plugins", "list", "-o", "json"});
  ASSERT_EQ(as_json.exit_code, 0) << as_json;
  const auto parsed = as_json.json();
  ASSERT_EQ(parsed["refused"].size(), 2u) << as_json;
  for (const auto& entry : parsed["refused"]) {
    EXPECT_FALSE(entry.value("file", "").empty()) << as_json;
    EXPECT_FALSE(entry.value("reason", "").empty()) << as_json;
  }
}

TEST(Plugins, DescribeHuman) {
  const auto result = run_stopctl({"--local", "plugins", "describe", "local.process"});
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_TRUE(result.out.starts_with("local.process ")) << result;
  for (const char* part : {"library:", "libstopd_process.so", "capabilities:", "asynchronous",
                           "concurrency:", "target schema", "options schema", "selector schema",
                           "\"pid\"", "examples:", "stopctl --local stop local.process pid="})
    EXPECT_TRUE(contains(result.out, part)) << part << "\n" << result;
}

TEST(Plugins, DescribeJson) {
  const auto result =
      run_stopctl({"--local", "plugins", "describe", "local.process", "-o", "json"});
  ASSERT_EQ(result.exit_code, 0) << result;
  const auto parsed = result.json();
  EXPECT_EQ(parsed.value("name", ""), "local.process") << result;
  EXPECT_TRUE(parsed["target_schema"].is_object()) << result;
  EXPECT_TRUE(parsed["target_schema"]["properties"].contains("pid")) << result;
  EXPECT_TRUE(parsed["options_schema"].is_object()) << result;
  EXPECT_TRUE(parsed["capabilities"]["asynchronous"].is_boolean()) << result;
  EXPECT_TRUE(parsed["concurrency"].is_number_integer()) << result;
  ASSERT_TRUE(parsed["examples"].is_array() && !parsed["examples"].empty()) << result;
}

TEST(Plugins, DescribedExampleCommandIsValid) {
  // The first example names a pid; with a pid that cannot exist it must get past validation
  // (already_stopped or not found), never be refused as invalid.
  const auto describe =
      run_stopctl({"--local", "plugins", "describe", "local.process", "-o", "json"});
  ASSERT_EQ(describe.exit_code, 0) << describe;
  const std::string example = describe.json()["examples"][0].get<std::string>();
  EXPECT_TRUE(example.starts_with("stopctl --local stop local.process ")) << example;
  EXPECT_TRUE(contains(example, "pid=")) << example;
}

TEST(Plugins, DescribeUnknownNamesTheLoadedProviders) {
  const auto human = run_stopctl({"--local", "plugins", "describe", "no.such"});
  EXPECT_EQ(human.exit_code, 11) << human;
  EXPECT_TRUE(contains(human.err, "no.such")) << human;
  EXPECT_TRUE(contains(human.err, "local.process")) << human;

  const auto as_json = run_stopctl({"--local", "plugins", "describe", "no.such", "-o", "json"});
  EXPECT_EQ(as_json.exit_code, 11) << as_json;
  EXPECT_EQ(as_json.json().value("code", ""), "invalid_argument") << as_json;
  EXPECT_TRUE(contains(as_json.json().value("message", ""), "local.process")) << as_json;
}

// As through the daemon: an empty NAME is named as such, before any plugin is loaded.
TEST(Plugins, DescribeEmptyNameSaysSo) {
  const auto result = run_stopctl({"--local", "plugins", "describe", "", "-o", "json"});
  EXPECT_EQ(result.exit_code, 11) << result;
  EXPECT_EQ(result.json().value("code", ""), "invalid_argument") << result;
  EXPECT_EQ(result.json().value("message", ""),
            "NAME is empty: name a provider ('stopctl --local plugins list' shows them)")
      << result;
}

}  // namespace
}  // namespace stopd::e2e
