#include "stopd/schedule/cron_expression.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace stopd::test {
namespace {

using core::CronError;
using core::CronExpression;
namespace chrono = std::chrono;
using LocalMinutes = CronExpression::LocalMinutes;

LocalMinutes local(int y, unsigned mo, unsigned d, int h = 0, int mi = 0) {
  const chrono::sys_days day{chrono::year{y} / chrono::month{mo} / chrono::day{d}};
  return LocalMinutes(chrono::duration_cast<chrono::minutes>(day.time_since_epoch()) +
                      chrono::hours(h) + chrono::minutes(mi));
}

std::string error_of(const std::string& text) {
  try {
    CronExpression::parse(text);
  } catch (const CronError& e) {
    return e.what();
  }
  return "";
}

// The next `count` minutes after `from`, as "YYYY-MM-DD HH:MM".
std::vector<std::string> next(const std::string& text, LocalMinutes from, int count) {
  const auto cron = CronExpression::parse(text);
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    const auto at = cron.next_after(from);
    if (!at) break;
    const auto day = chrono::floor<chrono::days>(*at);
    const chrono::year_month_day date{chrono::sys_days(day.time_since_epoch())};
    const chrono::hh_mm_ss time{*at - day};
    char text_at[32];
    std::snprintf(text_at, sizeof text_at, "%04d-%02u-%02u %02d:%02d",
                  static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                  static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                  static_cast<int>(time.minutes().count()));
    out.emplace_back(text_at);
    from = *at;
  }
  return out;
}

TEST(CronExpression, WeekdayEveningsSkipTheWeekend) {
  // 2026-12-04 is a Friday.
  EXPECT_EQ(next("0 19 * * mon-fri", local(2026, 12, 4, 19, 0), 3),
            (std::vector<std::string>{"2026-12-07 19:00", "2026-12-08 19:00", "2026-12-09 19:00"}));
}

TEST(CronExpression, StepsListsAndRanges) {
  EXPECT_EQ(next("*/20 9-10 * * *", local(2026, 1, 1), 7),
            (std::vector<std::string>{"2026-01-01 09:00", "2026-01-01 09:20", "2026-01-01 09:40",
                                      "2026-01-01 10:00", "2026-01-01 10:20", "2026-01-01 10:40",
                                      "2026-01-02 09:00"}));
  EXPECT_EQ(next("5,50 1-5/2 * * *", local(2026, 1, 1), 4),
            (std::vector<std::string>{"2026-01-01 01:05", "2026-01-01 01:50", "2026-01-01 03:05",
                                      "2026-01-01 03:50"}));
  EXPECT_EQ(next("45/10 0 * * *", local(2026, 1, 1), 3),  // 45 to the end of the hour, by 10
            (std::vector<std::string>{"2026-01-01 00:45", "2026-01-01 00:55", "2026-01-02 00:45"}));
}

TEST(CronExpression, StrictlyAfterTheGivenMinute) {
  EXPECT_EQ(next("30 6 * * *", local(2026, 5, 1, 6, 30), 1),
            (std::vector<std::string>{"2026-05-02 06:30"}));
  EXPECT_EQ(next("30 6 * * *", local(2026, 5, 1, 6, 29), 1),
            (std::vector<std::string>{"2026-05-01 06:30"}));
}

TEST(CronExpression, BothDayFieldsRestrictedMeansEither) {
  // The 1st of the month, and every Monday (2026-06-01 is a Monday; 2026-06-08 the next).
  EXPECT_EQ(next("0 0 1 * mon", local(2026, 5, 20), 4),
            (std::vector<std::string>{"2026-05-25 00:00", "2026-06-01 00:00", "2026-06-08 00:00",
                                      "2026-06-15 00:00"}));
  // One of them `*`: only the other counts.
  EXPECT_EQ(next("0 0 13 * *", local(2026, 1, 1), 2),
            (std::vector<std::string>{"2026-01-13 00:00", "2026-02-13 00:00"}));
}

TEST(CronExpression, MacrosNamesAndSundayAsSeven) {
  EXPECT_EQ(next("@yearly", local(2026, 3, 1), 1), (std::vector<std::string>{"2027-01-01 00:00"}));
  EXPECT_EQ(next("@annually", local(2026, 3, 1), 1),
            (std::vector<std::string>{"2027-01-01 00:00"}));
  EXPECT_EQ(next("@monthly", local(2026, 3, 1), 1), (std::vector<std::string>{"2026-04-01 00:00"}));
  EXPECT_EQ(next("@weekly", local(2026, 12, 1), 1),
            (std::vector<std::string>{"2026-12-06 00:00"}));  // a Sunday
  EXPECT_EQ(next("@daily", local(2026, 3, 1, 5), 1),
            (std::vector<std::string>{"2026-03-02 00:00"}));
  EXPECT_EQ(next("@midnight", local(2026, 3, 1, 5), 1),
            (std::vector<std::string>{"2026-03-02 00:00"}));
  EXPECT_EQ(next("@hourly", local(2026, 3, 1, 5, 1), 1),
            (std::vector<std::string>{"2026-03-01 06:00"}));
  EXPECT_EQ(next("0 12 * JAN,Jul 7", local(2026, 1, 1), 2),
            (std::vector<std::string>{"2026-01-04 12:00", "2026-01-11 12:00"}));
  EXPECT_EQ(next("  0\t12 29 feb *  ", local(2026, 1, 1), 1),  // blanks around and between
            (std::vector<std::string>{"2028-02-29 12:00"}));
}

TEST(CronExpression, ADayThatNeverComesEndsTheSchedule) {
  EXPECT_TRUE(next("0 0 30 2 *", local(2026, 1, 1), 1).empty());
  EXPECT_TRUE(next("0 0 31 4,6,9,11 *", local(2026, 1, 1), 1).empty());
}

TEST(CronExpression, MatchesWhatNextAfterFinds) {
  const auto cron = CronExpression::parse("*/7 3,15 1-10 * 1-5");
  auto at = local(2026, 1, 1);
  for (int i = 0; i < 200; ++i) {
    const auto next_at = cron.next_after(at);
    ASSERT_TRUE(next_at);
    for (auto m = at + chrono::minutes(1); m < *next_at; m += chrono::minutes(1))
      ASSERT_FALSE(cron.matches(m)) << "a matching minute was skipped";
    ASSERT_TRUE(cron.matches(*next_at));
    at = *next_at;
  }
}

TEST(CronExpression, ErrorsNameTheFieldWhatItGotAndTheRange) {
  EXPECT_EQ(error_of("61 * * * *"),
            "cron: minute field '61': 61 is out of range 0-59 (accepted: 0-59, *, a-b, with /step, "
            "comma lists)");
  EXPECT_NE(error_of("0 24 * * *").find("hour field '24': 24 is out of range 0-23"),
            std::string::npos);
  EXPECT_NE(error_of("0 0 0 * *").find("day of month field '0': 0 is out of range 1-31"),
            std::string::npos);
  EXPECT_NE(error_of("0 0 * 13 *").find("month field '13': 13 is out of range 1-12"),
            std::string::npos);
  EXPECT_NE(error_of("0 0 * * 8").find("day of week field '8': 8 is out of range 0-7"),
            std::string::npos);
  EXPECT_NE(error_of("0 0 * foo *").find("month field 'foo': unknown name 'foo'"),
            std::string::npos);
  EXPECT_NE(error_of("0 0 * * fri-mon").find("the range runs backwards"), std::string::npos);
  EXPECT_NE(error_of("*/0 * * * *").find("the step must be 1 to 60"), std::string::npos);
  EXPECT_NE(error_of("*/x * * * *").find("the step is not a number"), std::string::npos);
  EXPECT_NE(error_of("1,,2 * * * *").find("an empty list item"), std::string::npos);
  EXPECT_NE(error_of("-1 * * * *").find("a value is missing"), std::string::npos);
  EXPECT_NE(error_of("0 0 * *").find("expected 5 fields"), std::string::npos);
  EXPECT_NE(error_of("0 0 * * * *").find("got 6"), std::string::npos);
  EXPECT_NE(error_of("").find("got 0"), std::string::npos);
  EXPECT_NE(error_of("@reboot").find("unknown macro '@reboot'"), std::string::npos);
  EXPECT_NE(error_of(std::string(2000, '1')).find("longer than 1024"), std::string::npos);
  // What the caller typed is shown short and printable.
  const std::string hostile = error_of("0 0 * * \x1b[31m" + std::string(100, 'x'));
  EXPECT_EQ(hostile.find('\x1b'), std::string::npos) << hostile;
  EXPECT_LT(hostile.size(), 300u) << hostile;
}

}  // namespace
}  // namespace stopd::test
