#include "stopd/core/plugin_loader.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "stopd/core/dispatcher.hpp"
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
  EXPECT_TRUE(contains(major, "requires stopd SDK ABI 99.0, this host offers ABI 1.0")) << major;
  const auto minor = reason_for(report, "abi_minor");
  EXPECT_TRUE(contains(minor, "requires stopd SDK ABI 1.1, this host offers ABI 1.0")) << minor;
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

  EXPECT_EQ(report.loaded.size(), 2u);
  EXPECT_EQ(report.refused.size(), 8u);
}

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
