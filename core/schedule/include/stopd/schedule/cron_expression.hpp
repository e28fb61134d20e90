// A schedule's calendar as crontab(5) writes it: five fields, minute hour day-of-month month
// day-of-week, or one of the macros @yearly (@annually), @monthly, @weekly, @daily (@midnight)
// and @hourly. A field is `*`, a number, a range `a-b`, any of those with a step (`*/15`,
// `1-30/2`, `5/10` = 5 to the end by 10) or a comma list of them; months and weekdays also take
// their English names (`jan`, `mon-fri`), and weekday 7 is Sunday, like 0.
//
// As in every cron since Vixie's: when both day fields are restricted, a day matches if either
// does (`0 0 1 * mon`: the 1st of the month, and every Monday); when one is `*`, only the other
// counts. Matching is on local wall-clock minutes; the time zone is Calendar's business.
#pragma once

#include <bitset>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace stopd::core {

// A field that does not parse. what() names the field, what it got, and what it accepts.
class CronError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

class CronExpression {
 public:
  // Throws CronError. At most kMaxLength characters.
  static CronExpression parse(std::string_view text);
  static constexpr std::size_t kMaxLength = 1024;

  // Local wall-clock time, minute precision, no zone (std::chrono::local_t).
  using LocalMinutes = std::chrono::time_point<std::chrono::local_t, std::chrono::minutes>;

  // Whether the local minute `at` is one of the schedule's.
  bool matches(LocalMinutes at) const;
  // The first local minute after `after` that matches; nullopt if none comes within the next
  // 28 years (a schedule such as `0 0 30 2 *`, the 30th of February, never does).
  std::optional<LocalMinutes> next_after(LocalMinutes after) const;

  // The text it was parsed from, as given.
  const std::string& text() const { return text_; }

 private:
  bool day_matches(std::chrono::year_month_day date, std::chrono::weekday weekday) const;

  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_of_month_;  // 1..31
  std::bitset<13> months_;         // 1..12
  std::bitset<7> days_of_week_;    // 0 (Sunday)..6
  bool any_day_of_month_ = true;   // the field was `*` (or `*/1`)
  bool any_day_of_week_ = true;
};

}  // namespace stopd::core
