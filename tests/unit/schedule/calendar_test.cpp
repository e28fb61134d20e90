// When schedules fire in real zones, across both daylight saving transitions of 2026:
//   Europe/Berlin     spring 03-29 02:00 CET -> 03:00 CEST;  autumn 10-25 03:00 CEST -> 02:00 CET
//   America/New_York  spring 03-08 02:00 EST -> 03:00 EDT;   autumn 11-01 02:00 EDT -> 01:00 EST
#include "stopd/schedule/calendar.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace stopd::test {
namespace {

using core::Calendar;
using core::CronError;
using core::CronExpression;
namespace chrono = std::chrono;

Calendar::Instant utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0) {
  return Calendar::Instant(chrono::sys_days{chrono::year{y} / chrono::month{mo} / chrono::day{d}}) +
         chrono::hours(h) + chrono::minutes(mi);
}

// The next `count` firings after `from`, as local text in the schedule's zone.
std::vector<std::string> firings(const std::string& cron, const std::string& zone,
                                 Calendar::Instant from, std::size_t count) {
  const Calendar calendar(CronExpression::parse(cron), zone);
  std::vector<std::string> out;
  for (const auto at : calendar.next(from, count)) out.push_back(calendar.local_text(at));
  return out;
}

TEST(Calendar, SpringGapFiresOnceAtTheFirstInstantAfterIt) {
  // Berlin: 02:30 does not exist on 03-29; it fires at 03:00 CEST, then normally.
  EXPECT_EQ(firings("30 2 * * *", "Europe/Berlin", utc(2026, 3, 28, 12), 3),
            (std::vector<std::string>{"2026-03-29 03:00:00 CEST", "2026-03-30 02:30:00 CEST",
                                      "2026-03-31 02:30:00 CEST"}));
  // Every 20 minutes: 02:00, 02:20 and 02:40 all fall in the gap; one firing stands for them.
  EXPECT_EQ(firings("*/20 * * * *", "Europe/Berlin", utc(2026, 3, 29, 0, 30), 4),
            (std::vector<std::string>{"2026-03-29 01:40:00 CET", "2026-03-29 03:00:00 CEST",
                                      "2026-03-29 03:20:00 CEST", "2026-03-29 03:40:00 CEST"}));
  // New York: 02:00 does not exist on 03-08.
  EXPECT_EQ(firings("0 2 * * *", "America/New_York", utc(2026, 3, 7, 12), 2),
            (std::vector<std::string>{"2026-03-08 03:00:00 EDT", "2026-03-09 02:00:00 EDT"}));
}

TEST(Calendar, AutumnRepeatedHourFiresOnceAtItsFirstOccurrence) {
  // Berlin: 02:30 happens twice on 10-25 (CEST, then CET): it fires at the first only.
  EXPECT_EQ(firings("30 2 * * *", "Europe/Berlin", utc(2026, 10, 24, 12), 2),
            (std::vector<std::string>{"2026-10-25 02:30:00 CEST", "2026-10-26 02:30:00 CET"}));
  // New York: 01:30 happens twice on 11-01 (EDT, then EST).
  EXPECT_EQ(firings("30 1 * * *", "America/New_York", utc(2026, 10, 31, 12), 2),
            (std::vector<std::string>{"2026-11-01 01:30:00 EDT", "2026-11-02 01:30:00 EST"}));
  // Asked during the second pass of that hour, before its 01:30 EST: the first 01:30 has fired,
  // so the next is the next day's.
  const Calendar calendar(CronExpression::parse("30 1 * * *"), "America/New_York");
  const auto during_second_pass = utc(2026, 11, 1, 6, 10);  // 01:10 EST
  EXPECT_EQ(calendar.local_text(during_second_pass), "2026-11-01 01:10:00 EST");
  EXPECT_EQ(calendar.local_text(*calendar.next_after(during_second_pass)),
            "2026-11-02 01:30:00 EST");
}

TEST(Calendar, AnIntervalScheduleDoesNotRepeatTheRepeatedHour) {
  // Each local time fires once: after 01:45 EDT come 02:00 EST, not 01:00 to 01:45 EST again.
  EXPECT_EQ(firings("*/15 * * * *", "America/New_York", utc(2026, 11, 1, 5, 35), 3),
            (std::vector<std::string>{"2026-11-01 01:45:00 EDT", "2026-11-01 02:00:00 EST",
                                      "2026-11-01 02:15:00 EST"}));
}

TEST(Calendar, FiringsAreStrictlyIncreasingThroughAWholeYearOfTransitions) {
  for (const char* zone : {"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"}) {
    const Calendar calendar(CronExpression::parse("*/30 * * * *"), zone);
    auto at = utc(2026, 1, 1);
    for (int i = 0; i < 2 * 24 * 366; ++i) {
      const auto next = calendar.next_after(at);
      ASSERT_TRUE(next) << zone;
      ASSERT_GT(*next, at) << zone;
      ASSERT_LE(*next - at, chrono::hours(2)) << zone << " at " << calendar.local_text(at);
      at = *next;
    }
  }
}

TEST(Calendar, NoZoneIsUtcAndAnUnknownOneIsNamed) {
  const Calendar calendar(CronExpression::parse("0 19 * * mon-fri"), "");
  EXPECT_TRUE(calendar.zone_name() == "UTC" || calendar.zone_name() == "Etc/UTC")
      << calendar.zone_name();
  EXPECT_EQ(calendar.local_text(*calendar.next_after(utc(2026, 12, 4, 19))),
            "2026-12-07 19:00:00 UTC");
  try {
    Calendar(CronExpression::parse("@daily"), "Mars/Olympus_Mons");
    ADD_FAILURE() << "an unknown zone was accepted";
  } catch (const CronError& e) {
    EXPECT_EQ(std::string(e.what()),
              "tz: unknown time zone 'Mars/Olympus_Mons' (expected an IANA name such as "
              "Europe/Berlin, America/New_York or UTC)");
  }
  EXPECT_THROW(Calendar(CronExpression::parse("@daily"), "../../etc/passwd"), CronError);
}

TEST(Calendar, AScheduleThatNeverFiresSaysSo) {
  const Calendar calendar(CronExpression::parse("0 0 30 2 *"), "Europe/Berlin");
  EXPECT_FALSE(calendar.next_after(utc(2026, 1, 1)).has_value());
  EXPECT_TRUE(calendar.next(utc(2026, 1, 1), 5).empty());
}

}  // namespace
}  // namespace stopd::test
