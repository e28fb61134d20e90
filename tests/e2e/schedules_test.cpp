// `stopctl schedules next`: a calendar previewed as an operator checks one before scheduling
// stops with it, across a daylight saving change, with the errors a typo earns.
#include <gtest/gtest.h>

#include <cstdlib>

#include "stopctl_runner.hpp"

namespace stopd::e2e {
namespace {

// This machine's local time is part of the output: pin it for the test.
class SchedulesNext : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* tz = std::getenv("TZ")) saved_ = tz;
    ::setenv("TZ", "America/New_York", 1);
  }
  void TearDown() override {
    if (saved_)
      ::setenv("TZ", saved_->c_str(), 1);
    else
      ::unsetenv("TZ");
  }
  std::optional<std::string> saved_;
};

TEST_F(SchedulesNext, ShowsTheAutumnChangeInTheZoneAndInLocalTime) {
  const auto result =
      run_stopctl({"schedules", "next", "--cron", "30 2 * * *", "--tz", "Europe/Berlin", "--count",
                   "2", "--after", "2026-10-24T12:00:00Z"});
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_EQ(result.out,
            "next 2 of '30 2 * * *' in Europe/Berlin (and this machine's local time):\n"
            "  2026-10-25 02:30:00 CEST   (2026-10-24 20:30:00 EDT)\n"
            "  2026-10-26 02:30:00 CET   (2026-10-25 21:30:00 EDT)\n")
      << result;
}

TEST_F(SchedulesNext, JsonHasEachInstantThreeWays) {
  const auto result =
      run_stopctl({"-o", "json", "schedules", "next", "--cron", "0 2 * * *", "--tz",
                   "America/New_York", "--count", "1", "--after", "2026-03-07T12:00:00Z"});
  ASSERT_EQ(result.exit_code, 0) << result;
  const auto out = result.json();
  EXPECT_EQ(out["tz"], "America/New_York");
  ASSERT_EQ(out["next"].size(), 1u) << result;
  // 02:00 does not exist that night: the first instant after the gap.
  EXPECT_EQ(out["next"][0]["in_zone"], "2026-03-08 03:00:00 EDT");
  EXPECT_EQ(out["next"][0]["at"], "2026-03-08T03:00:00-0400");
  EXPECT_EQ(out["next"][0]["unix_seconds"], 1772953200);
}

TEST_F(SchedulesNext, AScheduleThatNeverFiresSaysSo) {
  const auto result = run_stopctl({"schedules", "next", "--cron", "0 0 30 2 *"});
  EXPECT_EQ(result.exit_code, 0) << result;
  EXPECT_EQ(result.out, "'0 0 30 2 *' never fires (no such day in 28 years)\n") << result;
}

TEST_F(SchedulesNext, BadInputIsAUsageErrorNamingTheField) {
  const struct {
    std::vector<std::string> args;
    std::string says;
  } cases[] = {
      {{"schedules", "next", "--cron", "0 24 * * *"},
       "--cron: hour field '24': 24 is out of range 0-23"},
      {{"schedules", "next", "--cron", "0 0 * * * *"}, "--cron: expected 5 fields"},
      {{"schedules", "next", "--cron", "@reboot"}, "--cron: unknown macro '@reboot'"},
      {{"schedules", "next", "--cron", "@daily", "--tz", "Europe/Nowhere"},
       "--tz: unknown time zone 'Europe/Nowhere'"},
      {{"schedules", "next", "--cron", "@daily", "--count", "1001"},
       "--count: expected a number of instants from 1"},
      {{"schedules", "next", "--cron", "@daily", "--after", "soon"},
       "--after: expected a duration back from now"},
      {{"--socket", "/x.sock", "schedules", "next", "--cron", "@daily"},
       "does not talk to the daemon"},
      {{"schedules", "next"}, "give a schedule's NAME (a schedule of the daemon) or --cron EXPR"},
  };
  for (const auto& c : cases) {
    const auto result = run_stopctl(c.args);
    EXPECT_EQ(result.exit_code, 2) << result;
    EXPECT_NE(result.err.find(c.says), std::string::npos) << result;
  }
}

}  // namespace
}  // namespace stopd::e2e
