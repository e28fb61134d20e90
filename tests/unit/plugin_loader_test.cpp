#include "stopd/core/plugin_loader.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "stopd/core/dispatcher.hpp"
#include "stopd/sdk/plugin.hpp"
#include "stopd/sdk/version.hpp"

namespace stopd::test {
namespace {

namespace fs = std::filesystem;
using core::PluginLoadReport;
using core::ProviderRegistry;

const fs::path kPluginDir = STOPD_TEST_PLUGIN_DIR;

std::string reason_for(const PluginLoadReport& report, const std::string& file_stem) {
  for (const auto& refused : report.refused)
    if (refused.file.filename().string().find(file_stem) != std::string::npos)
      return refused.reason;
  return "<not refused>";
}

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

class PluginLoader : public ::testing::Test {
 protected:
  void SetUp() override {
    // A non-ELF file that merely looks like a plugin, next to copies of the built test plugins.
    dir_ = fs::temp_directory_path() / ("stopd-loader-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    for (const auto& entry : fs::directory_iterator(kPluginDir))
      fs::copy_file(entry.path(), dir_ / entry.path().filename(),
                    fs::copy_options::overwrite_existing);
    std::ofstream(dir_ / "libstopd_test_text.so") << "this is not a shared library\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  PluginLoadReport load(const nlohmann::json& settings = nlohmann::json::object()) {
    return core::load_plugins({.directories = {dir_}, .files = {}}, settings, registry_);
  }

  fs::path dir_;
  ProviderRegistry registry_;
};

TEST_F(PluginLoader, LoadsTheGoodPluginAndRefusesEachBrokenOneWithItsReason) {
  const auto report = load();

  ASSERT_NE(registry_.find("test.good"), nullptr);
  ASSERT_NE(registry_.find("test.duplicate"), nullptr);
  EXPECT_EQ(registry_.find("test.good")->info.version, "2.3.4");
  EXPECT_EQ(registry_.find("test.raw"), nullptr);
  EXPECT_EQ(registry_.find("test.failing_factory"), nullptr);

  const auto major = reason_for(report, "abi_major");
  EXPECT_TRUE(contains(major, "requires stopd SDK ABI 99.1, this host offers ABI 1.1")) << major;
  const auto minor = reason_for(report, "abi_minor");
  EXPECT_TRUE(contains(minor, "requires stopd SDK ABI 1.2, this host offers ABI 1.1")) << minor;
  const auto toolchain = reason_for(report, "toolchain");
  EXPECT_TRUE(
      contains(toolchain, "built with toolchain 'libc++-1;nlohmann_json-9.9.9' (othercc-1.0)"))
      << toolchain;
  EXPECT_TRUE(contains(toolchain, "this host requires '" STOPD_SDK_TOOLCHAIN_TAG "'")) << toolchain;
  EXPECT_TRUE(contains(reason_for(report, "no_descriptor"), "no stopd plugin descriptor"));
  EXPECT_TRUE(contains(reason_for(report, "text"), "not a loadable shared library"));
  const auto factory = reason_for(report, "failing_factory");
  EXPECT_TRUE(contains(factory, "factory failed: backend endpoint is not configured")) << factory;
  const auto duplicate = reason_for(report, "duplicate_b");
  EXPECT_TRUE(contains(duplicate, "'test.duplicate' is already provided by")) << duplicate;
  EXPECT_TRUE(contains(duplicate, "libstopd_test_duplicate_a.so")) << duplicate;
  const auto mismatch = reason_for(report, "name_mismatch");
  EXPECT_TRUE(contains(mismatch,
                       "registers 'test.declared' but the provider's info() says 'test.reported'"))
      << mismatch;

  const auto flag = reason_for(report, "flag_without_method");
  EXPECT_TRUE(contains(flag,
                       "test.flag_without_method: info().capabilities.list is true, but the class "
                       "does not override list()"))
      << flag;
  const auto version = reason_for(report, "version_mismatch");
  EXPECT_TRUE(contains(version,
                       "the descriptor says version '3.1.4' but the provider's info().version "
                       "says '9.9.9'"))
      << version;

  EXPECT_EQ(report.loaded.size(), 4u);
  EXPECT_EQ(report.refused.size(), 10u);
}

TEST_F(PluginLoader, WhatInfoLeavesOutComesFromTheDescriptorAndTheOverrides) {
  load();
  const auto* said_once = registry_.find("test.said_once");
  ASSERT_NE(said_once, nullptr);
  EXPECT_EQ(said_once->info.name, "test.said_once");
  EXPECT_EQ(said_once->info.version, "3.1.4");
  EXPECT_EQ(said_once->info.description, "Says its name, version and capabilities once.");
  EXPECT_TRUE(said_once->info.capabilities.inspect);
  EXPECT_TRUE(said_once->info.capabilities.list);
  EXPECT_FALSE(said_once->info.capabilities.asynchronous);
  EXPECT_FALSE(said_once->info.capabilities.drain);

  // test.good overrides stop() only.
  const auto* good = registry_.find("test.good");
  ASSERT_NE(good, nullptr);
  EXPECT_FALSE(good->info.capabilities.inspect);
  EXPECT_FALSE(good->info.capabilities.list);
  EXPECT_FALSE(good->info.capabilities.asynchronous);
}

TEST_F(PluginLoader, APluginBuiltForAbi1_0LoadsWithTheCapabilitiesItsInfoStates) {
  const auto report = load();
  const auto* old = registry_.find("test.abi_1_0");
  ASSERT_NE(old, nullptr) << reason_for(report, "abi_1_0");
  EXPECT_TRUE(old->info.capabilities.inspect);
  EXPECT_FALSE(old->info.capabilities.list);
}

// Compile-time detection, through a shared base class as the CRI providers have it.
struct AsyncBase : sdk::IStopProvider {
  void start(const sdk::StopRequest&, std::shared_ptr<sdk::StopContext>) override {}
};
struct Derived final : AsyncBase {
  sdk::ProviderInfo info() const override { return {}; }
  sdk::Inspection inspect(const nlohmann::json&) override { return {}; }
};
static_assert(sdk::detail::overrides_of<Derived>() ==
              (sdk::kOverridesStart | sdk::kOverridesInspect));

TEST_F(PluginLoader, LoadedPluginStopsThroughTheDispatcherWithItsSettings) {
  load({{"test.good", {{"greeting", "bye"}}}});
  core::Dispatcher dispatcher(registry_);
  sdk::StopRequest request;
  request.type = "test.good";
  request.target = {{"id", "thing-1"}};
  const auto result = dispatcher.stop(request);
  EXPECT_EQ(result.outcome.code, sdk::Code::stopped);
  EXPECT_EQ(result.outcome.message, "bye thing-1");
}

TEST_F(PluginLoader, InvalidSettingsRefuseThePluginBeforeItIsCreated) {
  const auto report = load({{"test.good", {{"greeting", 7}}}, {"test.absent", {{"x", 1}}}});
  EXPECT_EQ(registry_.find("test.good"), nullptr);
  const auto reason = reason_for(report, "good");
  EXPECT_TRUE(
      contains(reason, "providers.test.good.settings.greeting: expected string, got integer 7"))
      << reason;
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_TRUE(contains(report.warnings[0], "'test.absent'"));
}

TEST_F(PluginLoader, MissingDirectoryAndMissingFileAreReportedAndOthersStillLoad) {
  ProviderRegistry registry;
  const auto report =
      core::load_plugins({.directories = {dir_ / "nope"},
                          .files = {dir_ / "libstopd_test_good.so", dir_ / "libmissing.so"}},
                         nlohmann::json::object(), registry);
  EXPECT_NE(registry.find("test.good"), nullptr);
  EXPECT_TRUE(contains(reason_for(report, "nope"), "cannot read plugin directory"));
  EXPECT_TRUE(contains(reason_for(report, "libmissing"), "cannot open"));
}

TEST_F(PluginLoader, AProviderKeepsItsLibraryAliveAfterTheRegistryIsGone) {
  std::shared_ptr<sdk::IStopProvider> provider;
  {
    ProviderRegistry registry;
    core::load_plugins({.directories = {}, .files = {dir_ / "libstopd_test_good.so"}},
                       nlohmann::json::object(), registry);
    ASSERT_NE(registry.find("test.good"), nullptr);
    provider = registry.find("test.good")->provider;
  }
  // Calls into the plugin's code: it must still be mapped.
  EXPECT_EQ(provider->info().name, "test.good");
}

// An author reads the refusal to find the mistake: the JSON path inside the schema, not only
// "invalid JSON Schema".
TEST(PluginLoaderSchemas, AnUnusablePublishedSchemaIsRefusedNamingItsJsonPath) {
  const fs::path file =
      fs::path(STOPD_VALIDATE_PLUGIN_DIR) / "libstopd_test_validate_bad_pattern.so";
  ProviderRegistry registry;
  const auto report =
      core::load_plugins({.directories = {}, .files = {file}}, nlohmann::json::object(), registry);
  EXPECT_EQ(registry.find("test.validate"), nullptr);
  const std::string reason = reason_for(report, "validate_bad_pattern");
  EXPECT_TRUE(
      contains(reason,
               "provider 'test.validate' publishes an unusable target schema: invalid JSON "
               "Schema: /properties/id/pattern: invalid regular expression \"^([a-z0-9]+$\""))
      << reason;
}

}  // namespace
}  // namespace stopd::test
