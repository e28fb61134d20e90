#include "stopd/schedule/cron_expression.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <vector>

namespace stopd::core {
namespace {

namespace chrono = std::chrono;

struct FieldSpec {
  const char* name;
  int min;
  int max;
  const char* const* names;  // names[i] is the value min + i; null: numbers only
  const char* spelling;      // what the field accepts, for messages
};

constexpr const char* kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr const char* kWeekdayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"};

constexpr std::array<FieldSpec, 5> kFields = {{
    {"minute", 0, 59, nullptr, "0-59"},
    {"hour", 0, 23, nullptr, "0-23"},
    {"day of month", 1, 31, nullptr, "1-31"},
    {"month", 1, 12, kMonthNames, "1-12 or jan-dec"},
    {"day of week", 0, 7, kWeekdayNames, "0-7 (0 and 7 are Sunday) or sun-sat"},
}};

// A piece of the caller's text, cut short and made printable for a message.
std::string quoted(std::string_view text) {
  std::string out = "'";
  for (char c : text.substr(0, 40))
    out += std::isprint(static_cast<unsigned char>(c)) != 0 ? c : '?';
  if (text.size() > 40) out += "…";
  return out + "'";
}

[[noreturn]] void refuse(const FieldSpec& field, std::string_view part, const std::string& why) {
  throw CronError("cron: " + std::string(field.name) + " field " + quoted(part) + ": " + why +
                  " (accepted: " + field.spelling + ", *, a-b, with /step, comma lists)");
}

int value_of(const FieldSpec& field, std::string_view part, std::string_view token) {
  if (token.empty()) refuse(field, part, "a value is missing");
  if (field.names != nullptr && std::isalpha(static_cast<unsigned char>(token[0])) != 0) {
    std::string lower(token);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (int i = 0; i <= field.max - field.min; ++i)
      if (lower == field.names[i]) return field.min + i;
    refuse(field, part, "unknown name " + quoted(token));
  }
  int value = 0;
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (error != std::errc() || end != token.data() + token.size())
    refuse(field, part, "not a number: " + quoted(token));
  if (value < field.min || value > field.max)
    refuse(field, part,
           std::to_string(value) + " is out of range " + std::to_string(field.min) + "-" +
               std::to_string(field.max));
  return value;
}

// Sets the bits (value - min) of one field; returns whether it was `*` with no narrowing step.
bool parse_field(const FieldSpec& field, std::string_view text, std::vector<bool>& bits) {
  bits.assign(static_cast<std::size_t>(field.max - field.min + 1), false);
  bool everything = false;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view part = text.substr(start, comma - start);
    if (part.empty()) refuse(field, text, "an empty list item");
    std::string_view range = part;
    int step = 1;
    if (const auto slash = part.find('/'); slash != std::string_view::npos) {
      range = part.substr(0, slash);
      const std::string_view step_text = part.substr(slash + 1);
      const auto [end, error] =
          std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
      if (step_text.empty() || error != std::errc() || end != step_text.data() + step_text.size())
        refuse(field, part, "the step is not a number");
      if (step < 1 || step > field.max - field.min + 1)
        refuse(field, part, "the step must be 1 to " + std::to_string(field.max - field.min + 1));
    }
    int low = field.min;
    int high = field.max;
    if (range == "*") {
      if (step == 1) everything = true;
    } else if (const auto dash = range.find('-'); dash != std::string_view::npos) {
      low = value_of(field, part, range.substr(0, dash));
      high = value_of(field, part, range.substr(dash + 1));
      if (low > high) refuse(field, part, "the range runs backwards");
    } else {
      low = value_of(field, part, range);
      // `5/10`: from 5 to the end by 10; a bare `5`: just 5.
      if (part.find('/') == std::string_view::npos) high = low;
    }
    for (int v = low; v <= high; v += step) bits[static_cast<std::size_t>(v - field.min)] = true;
    start = comma + 1;
  }
  return everything;
}

std::vector<std::string_view> split_fields(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  return fields;
}

std::string_view macro_expansion(std::string_view text) {
  if (text == "@yearly" || text == "@annually") return "0 0 1 1 *";
  if (text == "@monthly") return "0 0 1 * *";
  if (text == "@weekly") return "0 0 * * 0";
  if (text == "@daily" || text == "@midnight") return "0 0 * * *";
  if (text == "@hourly") return "0 * * * *";
  return {};
}

}  // namespace

CronExpression CronExpression::parse(std::string_view text) {
  if (text.size() > kMaxLength)
    throw CronError("cron: longer than " + std::to_string(kMaxLength) + " characters");
  CronExpression cron;
  cron.text_ = std::string(text);
  std::string_view fields_text = text;
  while (!fields_text.empty() && (fields_text.front() == ' ' || fields_text.front() == '\t'))
    fields_text.remove_prefix(1);
  while (!fields_text.empty() && (fields_text.back() == ' ' || fields_text.back() == '\t'))
    fields_text.remove_suffix(1);
  if (!fields_text.empty() && fields_text.front() == '@') {
    fields_text = macro_expansion(fields_text);
    if (fields_text.empty())
      throw CronError("cron: unknown macro " + quoted(text) +
                      " (accepted: @yearly, @annually, @monthly, @weekly, @daily, @midnight, "
                      "@hourly)");
  }
  const auto fields = split_fields(fields_text);
  if (fields.size() != 5)
    throw CronError(
        "cron: expected 5 fields (minute hour day-of-month month day-of-week) or a "
        "macro such as @daily, got " +
        std::to_string(fields.size()) + " in " + quoted(text));
  std::vector<bool> bits;
  parse_field(kFields[0], fields[0], bits);
  for (std::size_t i = 0; i < bits.size(); ++i) cron.minutes_[i] = bits[i];
  parse_field(kFields[1], fields[1], bits);
  for (std::size_t i = 0; i < bits.size(); ++i) cron.hours_[i] = bits[i];
  cron.any_day_of_month_ = parse_field(kFields[2], fields[2], bits);
  for (std::size_t i = 0; i < bits.size(); ++i) cron.days_of_month_[i + 1] = bits[i];
  parse_field(kFields[3], fields[3], bits);
  for (std::size_t i = 0; i < bits.size(); ++i) cron.months_[i + 1] = bits[i];
  cron.any_day_of_week_ = parse_field(kFields[4], fields[4], bits);
  for (std::size_t i = 0; i < bits.size(); ++i)
    if (bits[i]) cron.days_of_week_[i % 7] = true;  // 7 is Sunday, like 0
  return cron;
}

bool CronExpression::day_matches(chrono::year_month_day date, chrono::weekday weekday) const {
  const bool by_month_day = days_of_month_[static_cast<unsigned>(date.day())];
  const bool by_weekday = days_of_week_[weekday.c_encoding()];
  if (any_day_of_month_ && any_day_of_week_) return true;
  if (any_day_of_month_) return by_weekday;
  if (any_day_of_week_) return by_month_day;
  return by_month_day || by_weekday;
}

bool CronExpression::matches(LocalMinutes at) const {
  const auto day = chrono::floor<chrono::days>(at);
  const chrono::year_month_day date{chrono::sys_days(day.time_since_epoch())};
  const chrono::hh_mm_ss time{at - day};
  return months_[static_cast<unsigned>(date.month())] &&
         day_matches(date, chrono::weekday{chrono::sys_days(day.time_since_epoch())}) &&
         hours_[static_cast<std::size_t>(time.hours().count())] &&
         minutes_[static_cast<std::size_t>(time.minutes().count())];
}

std::optional<CronExpression::LocalMinutes> CronExpression::next_after(LocalMinutes after) const {
  // Day by day (at most 28 years of them: the calendar repeats after 28, so a schedule that
  // matches no day by then never will), then the first matching minute of a matching day.
  auto day = chrono::floor<chrono::days>(after);
  LocalMinutes from = after + chrono::minutes(1);
  const auto last_day = day + chrono::days(366 * 28 + 7);
  for (; day <= last_day; day += chrono::days(1), from = day) {
    const chrono::sys_days sys_day(day.time_since_epoch());
    const chrono::year_month_day date{sys_day};
    if (!months_[static_cast<unsigned>(date.month())] ||
        !day_matches(date, chrono::weekday{sys_day}))
      continue;
    const auto minute_of_day = chrono::duration_cast<chrono::minutes>(from - day).count();
    for (auto m = minute_of_day; m < 24 * 60; ++m) {
      if (!hours_[static_cast<std::size_t>(m / 60)]) {
        m = (m / 60) * 60 + 59;  // the rest of this hour
        continue;
      }
      if (minutes_[static_cast<std::size_t>(m % 60)]) return day + chrono::minutes(m);
    }
  }
  return std::nullopt;
}

}  // namespace stopd::core
