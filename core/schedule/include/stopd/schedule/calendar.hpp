// When a schedule fires: a CronExpression read in an IANA time zone (the system's tz database,
// through Howard Hinnant's date/tz library; GCC 12's <chrono> has no time zones).
//
// Daylight saving time, both ways, by one rule each:
//   - a local time that occurs twice (the autumn hour, clocks set back) fires once, at its first
//     occurrence. An interval schedule (`*/15 * * * *`) therefore pauses for the repeated hour:
//     each of its local times has already fired once.
//   - a local time that does not exist (the spring hour, clocks set forward) fires at the first
//     instant after the gap, once however many of its minutes match: `30 2 * * *` in
//     Europe/Berlin fires at 03:00 CEST on the last Sunday of March.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "stopd/schedule/cron_expression.hpp"

namespace date {
class time_zone;
}

namespace stopd::core {

class Calendar {
 public:
  using Instant = std::chrono::sys_seconds;

  // `zone`: an IANA name ("Europe/Berlin", "UTC"); empty means UTC. Throws CronError for an
  // unknown zone, naming it.
  Calendar(CronExpression cron, const std::string& zone);

  // The first instant the schedule fires strictly after `after`; nullopt if it never does.
  std::optional<Instant> next_after(Instant after) const;
  // The next `count` instants after `after` (fewer if the schedule ends).
  std::vector<Instant> next(Instant after, std::size_t count) const;

  // The instant's local time in the schedule's zone, e.g. "2026-03-29 03:00:00 CEST".
  std::string local_text(Instant at) const;

  const CronExpression& cron() const { return cron_; }
  const std::string& zone_name() const;

 private:
  CronExpression cron_;
  const date::time_zone* zone_;
};

}  // namespace stopd::core
