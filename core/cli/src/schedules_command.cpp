#include "stopd/cli/schedules_command.hpp"

#include <charconv>
#include <ctime>
#include <nlohmann/json.hpp>

#include "stopd/cli/cli_error.hpp"
#include "stopd/cli/since_argument.hpp"
#include "stopd/schedule/calendar.hpp"

namespace stopd::cli {
namespace {

using nlohmann::json;
namespace chrono = std::chrono;

constexpr std::size_t kDefaultCount = 5;
constexpr std::size_t kMaxCount = 1000;

std::size_t parse_count(const std::string& text) {
  std::size_t count = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), count);
  if (error != std::errc() || end != text.data() + text.size() || count < 1 || count > kMaxCount)
    throw usage_error("--count: expected a number of instants from 1 to " +
                      std::to_string(kMaxCount) + ", got '" + shorten(text, 40) + "'");
  return count;
}

// In this process's zone (TZ, else /etc/localtime), as the operator reads a clock: for people
// ("2026-12-07 19:00:00 CET") or, `iso`, RFC 3339 ("2026-12-07T19:00:00+0100").
std::string machine_local(core::Calendar::Instant at, bool iso) {
  const std::time_t seconds = chrono::system_clock::to_time_t(at);
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[64];
  const std::size_t length = iso ? std::strftime(text, sizeof text, "%FT%T%z", &local)
                                 : std::strftime(text, sizeof text, "%F %T %Z", &local);
  return std::string(text, length);
}

}  // namespace

int run_schedules_next(const SchedulesNextArguments& args, Console& console) {
  const std::size_t count = args.count ? parse_count(*args.count) : kDefaultCount;
  std::optional<core::Calendar> calendar;
  try {
    calendar.emplace(core::CronExpression::parse(args.cron), args.tz.value_or(""));
  } catch (const core::CronError& e) {
    throw usage_error(std::string("--") + e.what());
  }
  const auto now = chrono::system_clock::now();
  const auto from =
      chrono::floor<chrono::seconds>(args.after ? parse_moment("--after", *args.after, now) : now);
  const auto instants = calendar->next(from, count);

  if (console.json()) {
    json out = {{"cron", args.cron}, {"tz", calendar->zone_name()}, {"next", json::array()}};
    for (const auto at : instants)
      out["next"].push_back({{"at", machine_local(at, true)},
                             {"in_zone", calendar->local_text(at)},
                             {"unix_seconds", at.time_since_epoch().count()}});
    console.out_json(out);
    return core::exit_code::ok;
  }
  if (instants.empty()) {
    console.out("'" + shorten(args.cron, 100) + "' never fires (no such day in 28 years)");
    return core::exit_code::ok;
  }
  console.out("next " + std::to_string(instants.size()) + " of '" + shorten(args.cron, 100) +
              "' in " + calendar->zone_name() + " (and this machine's local time):");
  for (const auto at : instants)
    console.out("  " + calendar->local_text(at) + "   (" + machine_local(at, false) + ")");
  return core::exit_code::ok;
}

}  // namespace stopd::cli
