#include "stopd/core/host_config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace stopd::test {
namespace {

namespace fs = std::filesystem;
using core::ConfigError;
using nlohmann::json;

std::string error_of(const json& document) {
  try {
    core::parse_host_config(document, "/etc/stopd");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "<valid>";
}

TEST(HostConfig, ParsesEveryKey) {
  const auto config = core::parse_host_config(json::parse(R"({
    "plugin_dirs": ["plugins", "/abs/plugins"],
    "plugins": ["extra/libx.so"],
    "providers": {"local.process": {"settings": {"stop_signal": "SIGINT"}, "max_concurrency": 500, "max_attempts": 2}},
    "dispatcher": {"deadline_margin_seconds": 5, "drain_deadline_seconds": 60, "max_attempts": 3,
                   "backoff_initial_ms": 50, "backoff_max_ms": 1000, "max_worker_threads": 8},
    "log_level": "debug"
  })"),
                                              "/etc/stopd");
  ASSERT_TRUE(config.plugin_dirs.has_value());
  EXPECT_EQ((*config.plugin_dirs)[0], fs::path("/etc/stopd/plugins"));
  EXPECT_EQ((*config.plugin_dirs)[1], fs::path("/abs/plugins"));
  EXPECT_EQ(config.plugins.at(0), fs::path("/etc/stopd/extra/libx.so"));
  const auto& process = config.providers.at("local.process");
  EXPECT_EQ(process.settings["stop_signal"], "SIGINT");
  EXPECT_EQ(process.max_concurrency, 500u);
  EXPECT_EQ(process.max_attempts, 2u);
  EXPECT_EQ(config.dispatcher.deadline_margin, std::chrono::seconds(5));
  EXPECT_EQ(config.dispatcher.drain_deadline, std::chrono::seconds(60));
  EXPECT_EQ(config.dispatcher.max_attempts, 3u);
  EXPECT_EQ(config.dispatcher.backoff_initial, std::chrono::milliseconds(50));
  EXPECT_EQ(config.dispatcher.max_worker_threads, 8u);
  EXPECT_EQ(config.log_level, "debug");
}

TEST(HostConfig, TheExampleConfigIsValid) {
  const auto config =
      core::load_host_config(fs::path(STOPD_SOURCE_DIR) / "examples/config/stopd.json");
  EXPECT_EQ(config.providers.at("local.process").max_concurrency, 10000u);
  EXPECT_EQ(config.log_level, "info");
  // No plugin_dirs: the list would replace the bundled directory, and a packaged stopd given
  // this file would load no plugin at all.
  EXPECT_FALSE(config.plugin_dirs.has_value());
}

TEST(HostConfig, EmptyConfigMeansDefaults) {
  const auto config = core::parse_host_config(json::object(), "");
  EXPECT_FALSE(config.plugin_dirs.has_value());
  EXPECT_TRUE(config.providers.empty());
  EXPECT_EQ(config.dispatcher.max_attempts, core::DispatcherOptions{}.max_attempts);
}

TEST(HostConfig, NamesTheWrongKey) {
  EXPECT_EQ(error_of({{"plugin_dir", {"x"}}}),
            "config: unknown key 'plugin_dir' (expected auth, dispatcher, drain_timeout_seconds, "
            "journal, listen, log_level, metrics, plugin_dirs, plugins, providers, "
            "quarantine_after_crashes or schedules)");
  EXPECT_EQ(error_of({{"providers", {{"local.process", {{"max_concurrency", -1}}}}}}),
            "config.providers.local.process.max_concurrency: expected a number >= 1, got -1");
  EXPECT_EQ(error_of({{"providers", {{"local.process", {{"settngs", json::object()}}}}}}),
            "config.providers.local.process: unknown key 'settngs' (expected isolation, "
            "max_attempts, max_concurrency, plugin_host or settings)");
  EXPECT_EQ(error_of({{"dispatcher", {{"max_attempts", "three"}}}}),
            "config.dispatcher.max_attempts: expected integer, got string \"three\"");
  EXPECT_EQ(error_of({{"log_level", "loud"}}),
            "config.log_level: expected one of \"trace\", \"debug\", \"info\", \"warn\", \"error\" "
            "or \"off\", got \"loud\"");
  EXPECT_EQ(error_of({{"dispatcher", {{"backoff_initial_ms", 500}, {"backoff_max_ms", 100}}}}),
            "config.dispatcher.backoff_max_ms: must not be smaller than backoff_initial_ms");
  EXPECT_EQ(error_of(json::array()), "config: expected object, got array []");
}

TEST(HostConfig, FileErrorsNameTheFileAndPosition) {
  const fs::path dir = fs::temp_directory_path() / ("stopd-config-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "stopd.json";
  std::ofstream(file) << "{\n  \"log_level\": \"info\",\n  oops\n}\n";
  try {
    core::load_host_config(file);
    ADD_FAILURE() << "malformed JSON was accepted";
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(file.string() + ": not valid JSON (line 3, column 3)"),
              std::string::npos)
        << message;
  }
  try {
    core::load_host_config(dir / "absent.json");
    ADD_FAILURE() << "a missing file was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("absent.json: cannot read it: No such file"),
              std::string::npos)
        << e.what();
  }
  std::ofstream(file, std::ios::trunc) << R"({"plugins": ["rel/lib.so"]})";
  EXPECT_EQ(core::load_host_config(file).plugins.at(0), dir / "rel/lib.so");
  fs::remove_all(dir);
}

std::string load_error(const fs::path& file) {
  try {
    core::load_host_config(file);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "<valid>";
}

// /dev/zero has a size of 0 and never ends: the read stops at the limit, not at the end.
TEST(HostConfig, AFileThatNeverEndsIsRefusedAtTheLimit) {
  EXPECT_NE(load_error("/dev/zero").find("/dev/zero: larger than 4 MiB (the limit)"),
            std::string::npos)
      << load_error("/dev/zero");
}

TEST(HostConfig, DeepNestingIsRefusedWithItsPosition) {
  const fs::path file =
      fs::temp_directory_path() / ("stopd-deep-" + std::to_string(::getpid()) + ".json");
  std::ofstream(file) << R"({"providers": {"local.process": {"settings": {"x": )"
                      << std::string(100'000, '[') << std::string(100'000, ']') << "}}}}";
  const std::string error = load_error(file);
  EXPECT_NE(error.find(file.string() + ": refused (line 1, column "), std::string::npos) << error;
  EXPECT_NE(error.find("nested more than 32 levels deep"), std::string::npos) << error;
  fs::remove(file);
}

}  // namespace
}  // namespace stopd::test
