#include "stopd/cli/since_argument.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

#include "stopd/cli/cli_error.hpp"
#include "stopd/cli/render.hpp"

namespace stopd::cli {
namespace {

namespace chrono = std::chrono;
using Time = chrono::system_clock::time_point;

// Further back than this is a typo (and keeps the arithmetic far from overflow).
constexpr double kMaxSeconds = 100.0 * 365 * 24 * 3600;

// "1h30m", "90s", "2d", "45" (seconds), "1.5h": seconds, or nullopt.
std::optional<double> duration_seconds(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double total = 0;
  while (!text.empty()) {
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end == text.data() || !std::isfinite(value) || value < 0)
      return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    double unit = 1;
    if (!text.empty()) {
      switch (text.front()) {
        case 's':
          unit = 1;
          break;
        case 'm':
          unit = 60;
          break;
        case 'h':
          unit = 3600;
          break;
        case 'd':
          unit = 86400;
          break;
        case 'w':
          unit = 7 * 86400;
          break;
        default:
          return std::nullopt;
      }
      text.remove_prefix(1);
    } else if (total != 0) {
      return std::nullopt;  // "1h30": a number without a unit after a unit
    }
    total += value * unit;
  }
  return total;
}

// Exactly `digits` decimal digits at `at`.
std::optional<int> number(std::string_view text, std::size_t at, std::size_t digits) {
  if (at + digits > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = at; i < at + digits; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// RFC 3339 (or a bare date), or nullopt.
std::optional<Time> timestamp(std::string_view text) {
  const auto year = number(text, 0, 4);
  const auto month = number(text, 5, 2);
  const auto day = number(text, 8, 2);
  if (!year || !month || !day || text[4] != '-' || text[7] != '-') return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31) return std::nullopt;
  // The clock's nanoseconds end in 2262; a job list needs nothing near either end.
  if (*year < 1970 || *year > 2200) return std::nullopt;
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  long long offset_seconds = 0;
  double fraction = 0;
  if (text.size() > 10) {
    if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return std::nullopt;
    const auto hour = number(text, 11, 2);
    const auto minute = number(text, 14, 2);
    const auto second = number(text, 17, 2);
    if (!hour || !minute || !second || text[13] != ':' || text[16] != ':') return std::nullopt;
    if (*hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
    tm.tm_hour = *hour;
    tm.tm_min = *minute;
    tm.tm_sec = *second;
    std::size_t at = 19;
    if (at < text.size() && text[at] == '.') {
      const std::size_t start = at;
      ++at;
      while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) ++at;
      if (at == start + 1) return std::nullopt;
      // strtod, not stod: a fraction of hundreds of digits underflows, and stod would throw.
      fraction = std::strtod(("0" + std::string(text.substr(start, at - start))).c_str(), nullptr);
    }
    const std::string_view zone = text.substr(at);
    if (zone == "Z" || zone == "z") {
      offset_seconds = 0;
    } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
      const auto hours = number(zone, 1, 2);
      const auto minutes = number(zone, 4, 2);
      if (!hours || !minutes || *hours > 23 || *minutes > 59) return std::nullopt;
      offset_seconds = (*hours * 3600LL + *minutes * 60LL) * (zone[0] == '-' ? -1 : 1);
    } else {
      return std::nullopt;  // a time without a zone is ambiguous
    }
  }
  const std::time_t seconds = timegm(&tm);
  if (seconds == static_cast<std::time_t>(-1)) return std::nullopt;
  return Time(chrono::seconds(seconds - offset_seconds)) +
         chrono::duration_cast<Time::duration>(chrono::duration<double>(fraction));
}

}  // namespace

Time parse_moment(std::string_view flag, std::string_view text, Time now) {
  const std::string name(flag);
  if (const auto seconds = duration_seconds(text)) {
    if (*seconds > kMaxSeconds)
      throw usage_error(name + ": '" + shorten(text, 40) + "' reaches back more than 100 years");
    return now - chrono::duration_cast<Time::duration>(chrono::duration<double>(*seconds));
  }
  if (const auto at = timestamp(text)) return *at;
  throw usage_error(name +
                    ": expected a duration back from now (such as 90s, 15m, 2h, 7d or "
                    "1h30m) or an RFC 3339 time between 1970 and 2200 (such as "
                    "2026-11-22T05:00:00Z, or a date 2026-11-22), got '" +
                    shorten(text, 40) + "'");
}

}  // namespace stopd::cli
