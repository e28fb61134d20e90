// `stopctl --local` with a plugin whose stop() never returns
// (tests/plugins/misbehaving_plugin.cpp): stopctl answers at the deadline and exits right after it,
// without waiting for the plugin.
#include <gtest/gtest.h>

#include "stopctl_runner.hpp"

namespace stopd::e2e {
namespace {

TEST(MisbehavingPluginTiming, StopctlLocalExitsAtTheDeadlineThoughTheStopNeverReturns) {
  TempDir dir;
  const nlohmann::json config = {
      {"plugins", {STOPD_MISBEHAVING_PLUGIN}},
      {"providers", {{"test.misbehave", {{"settings", {{"hang_seconds", 120}}}}}}}};
  const std::string file = dir.write("stopctl.json", config.dump());
  const auto result = run_stopctl(
      {"--local", "--config", file, "stop", "test.misbehave", "id=a", "do=hang", "--deadline", "2"},
      90s);
  EXPECT_EQ(result.exit_code, 16) << result;  // deadline_exceeded
  EXPECT_TRUE(result.err.starts_with("deadline_exceeded: ")) << result;
  // 2 s of deadline, then the exit. Generous (the plugin holds its thread for 120 s).
  EXPECT_LT(result.elapsed, 12s) << result;
}

}  // namespace
}  // namespace stopd::e2e
