#include "stopd/schedule/calendar.hpp"

#include <date/tz.h>

namespace stopd::core {
namespace {

namespace chrono = std::chrono;

const date::time_zone* find_zone(const std::string& name) {
  try {
    return date::locate_zone(name.empty() ? "UTC" : name);
  } catch (const std::exception&) {
    std::string shown = name.substr(0, 64);
    for (char& c : shown)
      if (c < 0x20 || c == 0x7f) c = '?';
    throw CronError("tz: unknown time zone '" + shown +
                    "' (expected an IANA name such as Europe/Berlin, America/New_York or UTC)");
  }
}

date::local_seconds to_date_local(CronExpression::LocalMinutes at) {
  return date::local_seconds(chrono::duration_cast<chrono::seconds>(at.time_since_epoch()));
}

}  // namespace

Calendar::Calendar(CronExpression cron, const std::string& zone)
    : cron_(std::move(cron)), zone_(find_zone(zone)) {}

const std::string& Calendar::zone_name() const {
  static const std::string kUnknown;
  return zone_ != nullptr ? zone_->name() : kUnknown;
}

std::optional<Calendar::Instant> Calendar::next_after(Instant after) const {
  const date::local_seconds local = zone_->to_local(after);
  CronExpression::LocalMinutes cursor(
      chrono::floor<chrono::minutes>(chrono::seconds(local.time_since_epoch())));
  // A local minute whose instant is not after `after` is skipped: the repeated hour's local
  // times (their first occurrence passed) and gap minutes that map to a past transition. Each
  // skip moves the cursor forward, and at most one hour of minutes is skipped in a row.
  for (int skipped = 0; skipped < 24 * 60; ++skipped) {
    const auto minute = cron_.next_after(cursor);
    if (!minute) return std::nullopt;
    const date::local_info info = zone_->get_info(to_date_local(*minute));
    Instant candidate;
    switch (info.result) {
      case date::local_info::unique:
      case date::local_info::ambiguous:  // the first occurrence only
        candidate = Instant(to_date_local(*minute).time_since_epoch() - info.first.offset);
        break;
      case date::local_info::nonexistent:  // the first instant after the gap
        candidate = Instant(info.second.begin.time_since_epoch());
        break;
    }
    if (candidate > after) return candidate;
    cursor = *minute;
  }
  return std::nullopt;
}

std::vector<Calendar::Instant> Calendar::next(Instant after, std::size_t count) const {
  std::vector<Instant> instants;
  instants.reserve(count);
  while (instants.size() < count) {
    const auto at = next_after(after);
    if (!at) break;
    instants.push_back(*at);
    after = *at;
  }
  return instants;
}

std::string Calendar::local_text(Instant at) const {
  return date::format("%F %T %Z", date::make_zoned(zone_, at));
}

}  // namespace stopd::core
